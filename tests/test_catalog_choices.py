"""A person's labels and cover choices in a real catalog: history rows, undo as a new
row, pins and rejects in route_cards and in the tagger's cover choice."""

import pytest

from catalog import open_catalog
from catalog.choices import clear_choice, pin_photo, reject_photo
from catalog.exclusions import exclude_photos
from catalog.labels import label_photos, undo_label
from cragcat.errors import UsageError
from tagger.cover_catalog import choose_covers
from tests.tagger_helpers import add_area, add_photo, add_route, sha_of

MODEL = "m" * 64


def tagged_route(catalog):
    """One route with three glory-shots (g1 best) and a topo, tagged by MODEL."""
    with catalog.transaction() as tx:
        add_area(tx, 1, "Crag")
        add_route(tx, 10, 1, "Arete")
        tx.execute("INSERT INTO models (model_id, path, backbone, classes, threshold) "
                   "VALUES (?, 'm', 'colournet', ['glory','butt','topo'], 0.9)", [MODEL])
        for name, cls, conf in (("g1", "glory", 0.99), ("g2", "glory", 0.97),
                                ("g3", "glory", 0.95), ("t1", "topo", 0.99)):
            sha = add_photo(catalog, tx, name, cls)
            tx.execute("INSERT INTO sightings (sighting_key, sha256, route_id, page_url, "
                       "image_url) VALUES (?, ?, 10, 'http://x/r', ?)",
                       [name, sha, f"http://x/{name}.jpg"])
            tx.execute("INSERT INTO tags (sha256, model_id, status, class, confidence, "
                       "probabilities) VALUES (?, ?, 'tagged', ?, ?, MAP {?: ?})",
                       [sha, MODEL, cls, conf, cls, conf])
    choose_covers(catalog, MODEL)


def card(catalog):
    return catalog.query_dicts("SELECT * FROM route_cards WHERE route_id = 10")[0]


def test_labels_keep_a_history_and_undo_is_a_new_row(catalog_path):
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            sha = add_photo(catalog, tx, "p")
        first = label_photos(catalog, {sha: "glory"}, "review", "ann")[0]
        second = label_photos(catalog, {sha: "butt"}, "review", "ann")[0]
        assert (second.label, second.replaced) == ("butt", "glory")
        undo = undo_label(catalog, second.history_id, "ann")
        assert (undo.label, undo.replaced) == ("glory", "butt")
        assert catalog.scalar("SELECT label FROM labels WHERE sha256 = ?", [sha]) == "glory"
        undo_label(catalog, first.history_id, "ann")
        assert catalog.scalar("SELECT count(*) FROM labels") == 0
        history = catalog.query("SELECT label, replaced, reviewer, undoes FROM label_history "
                                "ORDER BY history_id")
    assert history == [("glory", None, "ann", None), ("butt", "glory", "ann", None),
                       ("glory", "butt", "ann", second.history_id),
                       (None, "glory", "ann", first.history_id)]


def test_pin_replaces_and_reject_drops_the_suggested_cover(catalog_path):
    with open_catalog(catalog_path) as catalog:
        tagged_route(catalog)
        assert card(catalog)["cover_sha256"] == sha_of("g1")
        assert card(catalog)["cover_chosen_by"] == "model"
        pin_photo(catalog, 10, "cover", sha_of("g3"), "ann")
        shown = card(catalog)
        assert shown["cover_sha256"] == sha_of("g3") and shown["cover_chosen_by"] == "person"
        assert shown["cover_reason"] == "pinned by ann"
        clear_choice(catalog, 10, "cover", "ann")
        reject_photo(catalog, 10, "cover", sha_of("g1"), "butt-shot really", "bob")
        shown = card(catalog)
        assert shown["cover_sha256"] is None
        assert shown["cover_reason"] == "rejected by bob: butt-shot really"
        choose_covers(catalog, MODEL)   # re-tagging picks the next best, never the rejected
        assert card(catalog)["cover_sha256"] == sha_of("g2")
        assert catalog.scalar("SELECT count(*) FROM cover_choices") == 3


def test_pin_outlives_retagging_and_exclusion_wins_over_it(catalog_path):
    with open_catalog(catalog_path) as catalog:
        tagged_route(catalog)
        pin_photo(catalog, 10, "topo", sha_of("g2"), "ann")
        choose_covers(catalog, MODEL)
        assert card(catalog)["topo_sha256"] == sha_of("g2")
        assert catalog.scalar("SELECT reason FROM route_covers WHERE kind = 'topo'") == \
            "pinned by a person"
        exclude_photos(catalog, [sha_of("g1"), sha_of("g2")], "takedown")
        assert card(catalog)["cover_sha256"] is None and card(catalog)["topo_sha256"] is None
        choose_covers(catalog, MODEL)
        assert card(catalog)["cover_sha256"] == sha_of("g3")
        assert card(catalog)["topo_sha256"] == sha_of("t1")


def test_a_human_butt_label_keeps_a_photo_off_the_cover(catalog_path):
    with open_catalog(catalog_path) as catalog:
        tagged_route(catalog)
        label_photos(catalog, {sha_of("g1"): "butt"}, "review", "ann")
        choose_covers(catalog, MODEL)
        assert card(catalog)["cover_sha256"] == sha_of("g2")


def test_choices_refuse_photos_off_the_route_and_rejects_without_reason(catalog_path):
    with open_catalog(catalog_path) as catalog:
        tagged_route(catalog)
        with pytest.raises(UsageError, match="not seen on route"):
            pin_photo(catalog, 10, "cover", "f" * 64)
        with pytest.raises(UsageError, match="needs a reason"):
            reject_photo(catalog, 10, "cover", sha_of("g1"), " ")
        with pytest.raises(UsageError, match="kind must be"):
            clear_choice(catalog, 10, "banner")
