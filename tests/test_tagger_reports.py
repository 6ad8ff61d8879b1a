"""The tagging reports (SQL views) on an empty catalog and on a tagged one."""

import json

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from cragcat.cli import report
from catalog.reports import available_reports
from tagger.cover_catalog import choose_covers
from tagger.tagging import TagOptions, tag_catalog
from tests.tagger_helpers import ColourArtifact, add_area, add_photo, add_route, add_sighting

TAGGER_REPORTS = ["current_model", "photo_tags", "class_share_by_area", "butt_share_by_area",
                  "route_cards", "routes_without_cover", "topos_per_route", "review_queue",
                  "shared_photos", "crawl_failures", "model_comparison"]
OPTIONS = TagOptions.from_settings(batch_size=8, workers=0, backend="eager")


def rows(catalog, name):
    return catalog.query_dicts(f"SELECT * FROM {name}")


def test_every_report_runs_on_an_empty_catalog(catalog_path):
    assert set(TAGGER_REPORTS) <= set(available_reports())
    with open_catalog(catalog_path) as catalog:
        for name in TAGGER_REPORTS:
            assert rows(catalog, name) == [], name


@pytest.fixture
def tagged(catalog_path):
    """Two crags; Sunny Slab has 2 glory-shots, a butt-shot and a topo; Shady Wall only butt."""
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            add_area(tx, 1, "Valley")
            add_area(tx, 2, "Sunny Slab", parent=1)
            add_area(tx, 3, "Shady Wall", parent=1)
            add_route(tx, 1, 2, "Arete")
            add_route(tx, 2, 2, "Corner")
            add_route(tx, 3, 3, "Chimney")
            g1 = add_photo(catalog, tx, "g1", "glory")
            g2 = add_photo(catalog, tx, "g2", "glory")
            dup = add_photo(catalog, tx, "g2-copy", "glory", cluster="g2")
            b1 = add_photo(catalog, tx, "b1", "butt")
            b2 = add_photo(catalog, tx, "b2", "butt")
            topo = add_photo(catalog, tx, "topo", "topo")
            unsure = add_photo(catalog, tx, "unsure", "unsure")
            for sha, route, area in [(g1, 1, 2), (g2, 2, 2), (dup, 1, 2), (b1, 1, 2),
                                     (topo, 1, 2), (topo, 2, 2), (b2, 3, 3), (unsure, 3, 3)]:
                add_sighting(tx, sha, route, area)
            tx.execute("INSERT INTO labels VALUES (?, 'glory', 'test', now()), "
                       "(?, 'butt', 'test', now()), (?, 'topo', 'test', now())", [g1, b2, topo])
            tx.execute("INSERT INTO splits VALUES (?, 'test', now()), (?, 'test', now()), "
                       "(?, 'test', now())", [g1, b2, topo])
            tx.execute("INSERT INTO pages (url, source_id, kind, state, reason) VALUES "
                       "('http://127.0.0.1/a', 1, 'page', 'failed', 'http-404'), "
                       "('http://127.0.0.1/b', 1, 'page', 'failed', 'http-404'), "
                       "('http://127.0.0.1/c', 1, 'image', 'failed', 'not-an-image')")
        artifact = ColourArtifact()
        tag_catalog(catalog, artifact, OPTIONS)
        choose_covers(catalog, artifact.model_id)
        yield catalog, dict(g1=g1, g2=g2, dup=dup, b1=b1, b2=b2, topo=topo, unsure=unsure)


def test_photo_tags_gives_duplicates_their_canonical_tag(tagged):
    catalog, sha = tagged
    photos = {r["sha256"]: r for r in rows(catalog, "photo_tags")}
    assert len(photos) == 7
    assert photos[sha["dup"]]["near_duplicate"] and photos[sha["dup"]]["predicted_class"] == "glory"
    assert photos[sha["dup"]]["canonical_sha256"] == sha["g2"]
    assert photos[sha["g1"]]["human_label"] == "glory"
    assert photos[sha["unsure"]]["predicted_class"] == "other"
    assert photos[sha["unsure"]]["margin"] < 0.1
    assert {r["model_id"] for r in photos.values()} == {ColourArtifact().model_id}


def test_class_and_butt_share_by_area(tagged):
    catalog, _ = tagged
    shares = {r["area"]: r for r in rows(catalog, "class_share_by_area")}
    sunny = shares["Sunny Slab"]
    assert (sunny["photos"], sunny["glory"], sunny["butt"], sunny["topo"]) == (5, 3, 1, 1)
    assert sunny["butt_share"] == 0.2
    assert (shares["Shady Wall"]["butt"], shares["Shady Wall"]["other"]) == (1, 1)
    butt = rows(catalog, "butt_share_by_area")
    assert [r["area"] for r in butt] == ["Shady Wall", "Sunny Slab"]


def test_routes_without_cover_and_topos(tagged):
    catalog, sha = tagged
    missing = rows(catalog, "routes_without_cover")
    assert [r["route"] for r in missing] == ["Chimney"]
    assert "1 butt, 1 other" in missing[0]["reason"]
    topos = {r["route"]: r for r in rows(catalog, "topos_per_route")}
    assert topos["Arete"]["topos"] == 1 and topos["Arete"]["best_topo"] == sha["topo"]
    assert topos["Chimney"]["topos"] == 0 and topos["Chimney"]["best_topo"] is None
    cards = {r["route"]: r for r in rows(catalog, "route_cards")}
    assert cards["Arete"]["cover_sha256"] in {sha["g1"], sha["dup"]}
    assert cards["Corner"]["cover_sha256"] == sha["g2"]


def test_review_queue_shared_photos_and_crawl_failures(tagged):
    catalog, sha = tagged
    queue = rows(catalog, "review_queue")
    assert queue[0]["sha256"] == sha["unsure"] and queue[0]["predicted_class"] == "other"
    assert all(a["margin"] <= b["margin"] for a, b in zip(queue, queue[1:]))
    shared = {r["canonical_sha256"]: r for r in rows(catalog, "shared_photos")}
    assert set(shared) == {sha["g2"], sha["topo"]}  # g2 via its near-duplicate on Arete
    assert shared[sha["g2"]]["routes"] == 2 and shared[sha["g2"]]["copies"] == 2
    failures = rows(catalog, "crawl_failures")
    assert [(r["reason"], r["urls"]) for r in failures] == [("http-404", 2),
                                                            ("not-an-image", 1)]


def test_models_compared_on_the_same_test_split(tagged):
    catalog, sha = tagged
    # A second model that calls everything a butt-shot, tagged on the same photos.
    with catalog.transaction() as tx:
        tx.execute("""INSERT INTO models (model_id, path, backbone, classes, threshold,
                      created_at) VALUES ('allbutt', 'x', 'dummy', ['glory', 'butt', 'topo'],
                      0.9, TIMESTAMP '2000-01-01')""")
        tx.execute("""INSERT INTO tags (sha256, model_id, class, confidence, tagged_at)
                      SELECT sha256, 'allbutt', 'butt', 1.0, TIMESTAMP '2000-01-01'
                      FROM images WHERE is_canonical""")
    compared = {r["model_id"]: r for r in rows(catalog, "model_comparison")}
    ours = compared[ColourArtifact().model_id]
    assert (ours["test_photos"], ours["tagged"], ours["correct"], ours["accuracy"]) == (3, 3, 3, 1.0)
    assert ours["is_current"] and not compared["allbutt"]["is_current"]
    assert compared["allbutt"]["accuracy"] == round(1 / 3, 4)


def test_report_command_shows_a_tagging_report_as_json(tagged):
    catalog, _ = tagged
    path = str(catalog.path)
    catalog.close()
    result = CliRunner().invoke(report, ["routes_without_cover", "--format", "json",
                                         "--catalog", path])
    assert result.exit_code == 0, result.output
    assert [r["route"] for r in json.loads(result.stdout)] == ["Chimney"]
