"""Route covers, topos and area covers: the rules, on pure rows and on a real catalog."""

from dataclasses import replace

import pytest

from catalog import open_catalog
from tagger.cover_catalog import choose_covers
from tagger.cover_check import check_covers
from tagger.covers import (BUTT_CAPTION_CUES, DEFAULT_COVER_SAFETY, Candidate, CoverSafety,
                           Route, aspect_score, choose_area_covers, choose_route_covers,
                           choose_route_topos, cover_score, unsafe_reason)
from tagger.tagging import TagOptions, tag_catalog
from tests.tagger_helpers import ColourArtifact, add_area, add_photo, add_route, add_sighting


def photo(route, sha, predicted="glory", p=0.95, size=(1500, 1000), cluster=None,
          status="tagged", sharpness=200.0, votes=None):
    probs = {"glory": 0.0, "butt": 0.0, "topo": 0.0}
    if predicted in probs:
        probs[predicted] = p
    return Candidate(route, sha, cluster or sha, status, predicted, probs, *size,
                     sharpness=sharpness, votes=votes)


def test_a_cover_is_never_a_butt_shot_topo_or_other():
    photos = {1: [photo(1, "butt", "butt", 1.0, size=(3000, 2000)),
                  photo(1, "topo", "topo", 1.0, size=(3000, 2000)),
                  photo(1, "other", "other", 0.6, size=(3000, 2000)),
                  photo(1, "failed", None, status="failed"),
                  photo(1, "small-glory", "glory", 0.91, size=(400, 300))]}
    covers = choose_route_covers([Route(1, 10)], photos)
    assert covers[1].sha256 == "small-glory"
    assert "glory 0.91" in covers[1].reason


def test_a_route_without_a_glory_shot_gets_no_cover_and_a_reason():
    photos = {1: [photo(1, "b1", "butt"), photo(1, "b2", "butt"), photo(1, "t", "topo")]}
    covers = choose_route_covers([Route(1, 10), Route(2, 10)], photos)
    assert covers[1].sha256 is None and covers[1].score is None
    assert covers[1].reason == "no glory-shot among its 3 photo(s) (2 butt, 1 topo)"
    assert covers[2].sha256 is None and covers[2].reason == "no photos on this route"


def test_the_score_prefers_a_sharp_landscape_card_with_votes():
    card = photo(1, "card", size=(1500, 1000))
    portrait = photo(1, "portrait", size=(1000, 1500))
    tiny = photo(1, "tiny", size=(300, 200))
    blurry = photo(1, "blurry", sharpness=5.0)
    voted = photo(1, "voted", votes=40)
    square = photo(1, "square", size=(1200, 1200))
    assert aspect_score(card) == 1.0 and aspect_score(portrait) < 0.5
    assert aspect_score(portrait) < aspect_score(square) < aspect_score(card)
    assert cover_score(card) > max(cover_score(portrait), cover_score(tiny), cover_score(blurry))
    assert cover_score(voted) > cover_score(card)
    covers = choose_route_covers([Route(1, 10)], {1: [portrait, tiny, blurry, card]})
    assert covers[1].sha256 == "card"


def test_the_models_sureness_outweighs_a_nicer_card():
    # A landscape the model is fairly sure of against a glory-shot it is very sure of.
    nice_but_unsure = photo(1, "unsure", p=0.93, size=(3000, 2000), sharpness=900.0)
    plain_but_sure = photo(1, "sure", p=0.998, size=(1000, 1000), sharpness=80.0)
    covers = choose_route_covers([Route(1, 10)], {1: [nice_but_unsure, plain_but_sure]})
    assert covers[1].sha256 == "sure"
    # When the model is about as sure of both, the better card wins.
    nearly_as_sure = photo(1, "nearly", p=0.997, size=(3000, 2000), sharpness=900.0)
    covers = choose_route_covers([Route(1, 10)], {1: [nearly_as_sure, plain_but_sure]})
    assert covers[1].sha256 == "nearly"


def test_siblings_avoid_a_shared_cluster_when_another_candidate_exists():
    # Both routes' best photo is the same crag shot (one cluster); route 2 has another.
    photos = {1: [photo(1, "crag-a", cluster="crag")],
              2: [photo(2, "crag-b", cluster="crag", size=(3000, 2000)),
                  photo(2, "own", size=(900, 600))]}
    covers = choose_route_covers([Route(1, 10), Route(2, 10)], photos)
    assert covers[1].sha256 == "crag-a" and covers[2].sha256 == "own"


def test_siblings_share_a_cluster_only_when_unavoidable():
    photos = {1: [photo(1, "crag-a", cluster="crag")],
              2: [photo(2, "crag-b", cluster="crag")],
              3: [photo(3, "crag-c", cluster="crag")]}
    routes = [Route(1, 10), Route(2, 10), Route(3, 20)]  # route 3 is in another area
    covers = choose_route_covers(routes, photos)
    assert {c.sha256 for c in covers.values()} == {"crag-a", "crag-b", "crag-c"}
    shared = [c for c in covers.values() if "sibling" in c.reason]
    assert len(shared) == 1  # of the two siblings, one had to share; route 3 is not a sibling


def test_the_best_topo_is_chosen_per_route():
    photos = {1: [photo(1, "small-topo", "topo", 0.99, size=(400, 300)),
                  photo(1, "big-topo", "topo", 0.97, size=(2400, 1600)),
                  photo(1, "glory", "glory")]}
    topos = choose_route_topos([Route(1, 10), Route(2, 10)], photos)
    assert topos[1].sha256 == "big-topo" and topos[2].sha256 is None


def test_area_covers_come_from_their_routes_and_avoid_their_covers():
    parents = {1: None, 10: 1, 20: 1}
    routes = [Route(1, 10), Route(2, 10), Route(3, 20)]
    photos = {1: [photo(1, "r1-best", size=(3000, 2000)), photo(1, "r1-second")],
              2: [photo(2, "r2")],
              3: [photo(3, "r3")]}
    covers = choose_route_covers(routes, photos)
    areas = choose_area_covers(parents, routes, photos, covers)
    assert covers[1].sha256 == "r1-best"
    assert areas[10].sha256 == "r1-second"  # not a route card already on the crag's page
    assert areas[20].sha256 == "r3" and "shares a cluster" in areas[20].reason
    assert areas[1].sha256 in {"r1-best", "r2"}  # the region avoids its sub-areas' covers
    assert areas[1].sha256 not in {areas[10].sha256, areas[20].sha256}


@pytest.fixture
def crag(catalog_path):
    """A real catalog: one crag with three routes and a duplicate shared by two of them."""
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            add_area(tx, 1, "Crag")
            for r in (1, 2, 3):
                add_route(tx, r, 1, f"Route {r}")
            shared = add_photo(catalog, tx, "shared", "glory", size=(2400, 1600))
            copy = add_photo(catalog, tx, "shared-copy", "glory", size=(1200, 800),
                             cluster="shared")
            own = add_photo(catalog, tx, "own", "glory", size=(1500, 1000))
            butt = add_photo(catalog, tx, "butt", "butt", size=(3000, 2000))
            topo = add_photo(catalog, tx, "topo", "topo")
            add_sighting(tx, shared, 1, 1)
            add_sighting(tx, copy, 2, 1)
            add_sighting(tx, own, 2, 1)
            add_sighting(tx, topo, 2, 1)
            add_sighting(tx, butt, 3, 1)
            add_sighting(tx, topo, 3, 1)
        yield catalog, dict(shared=shared, copy=copy, own=own, butt=butt, topo=topo)


def test_covers_in_the_catalog(crag):
    catalog, sha = crag
    artifact = ColourArtifact()
    tag_catalog(catalog, artifact, TagOptions.from_settings(batch_size=8, workers=0, backend="eager"))
    summary = choose_covers(catalog, artifact.model_id)
    assert (summary.routes_with_cover, summary.routes_without_cover) == (2, 1)
    rows = {(r, k): (s, reason) for r, k, s, reason in catalog.query(
        "SELECT route_id, kind, sha256, reason FROM route_covers WHERE model_id = ?",
        [artifact.model_id])}
    assert rows[(1, "cover")][0] == sha["shared"]
    assert rows[(2, "cover")][0] == sha["own"]  # its copy of route 1's cover is avoided
    assert rows[(3, "cover")][0] is None and "1 butt" in rows[(3, "cover")][1]
    assert rows[(2, "topo")][0] == sha["topo"] and rows[(3, "topo")][0] == sha["topo"]
    assert rows[(1, "topo")][0] is None
    area = catalog.query_one("SELECT sha256, reason FROM area_covers")
    assert area[0] is not None
    # Running again replaces this model's covers rather than adding to them.
    choose_covers(catalog, artifact.model_id)
    assert catalog.scalar("SELECT count(*) FROM route_covers") == 6


def test_cover_check_against_ground_truth(crag):
    catalog, sha = crag
    artifact = ColourArtifact()
    tag_catalog(catalog, artifact, TagOptions.from_settings(batch_size=8, workers=0, backend="eager"))
    choose_covers(catalog, artifact.model_id)
    with catalog.transaction() as tx:  # the truth: route 2's chosen cover is really a butt-shot
        tx.execute("INSERT INTO labels VALUES (?, 'glory', 'truth', now()), "
                   "(?, 'butt', 'truth', now()), (?, 'glory', 'truth', now())",
                   [sha["shared"], sha["own"], sha["copy"]])
    check = check_covers(catalog, artifact.model_id)
    assert (check.routes_with_cover, check.true_glory_covers) == (2, 1)
    assert check.routes_with_true_glory == 2 and check.precision == 0.5
    assert check.wrong_covers == [(2, sha["own"], "butt")]


def sure_but_wrong(route, sha, glory=0.97, butt=0.03, captions=""):
    """A butt-shot from a new source that the model tagged glory."""
    return Candidate(route, sha, sha, "tagged", "glory",
                     {"glory": glory, "butt": butt, "topo": 1 - glory - butt}, 1500, 1000,
                     captions=captions)


def test_cover_safety_refuses_a_glory_tag_the_other_signs_doubt():
    safety = CoverSafety(min_glory=0.99, max_butt=0.02, min_margin=0.9,
                         caption_cues=BUTT_CAPTION_CUES)
    assert "under the guard" in unsafe_reason(sure_but_wrong(1, "a", 0.98, 0.01), safety)
    assert "butt 0.030 over" in unsafe_reason(sure_but_wrong(1, "b", 0.995, 0.03), safety)
    loose = CoverSafety(min_margin=0.9)
    assert "margin" in unsafe_reason(sure_but_wrong(1, "c", 0.94, 0.06), loose)
    cue = sure_but_wrong(1, "d", 0.999, 0.0, captions="Anna on Zebra | Belay view of the crux")
    assert unsafe_reason(cue, safety) == "caption says 'belay view'"
    assert unsafe_reason(sure_but_wrong(1, "e", 0.999, 0.0), safety) is None


def test_a_person_s_glory_label_is_a_safe_cover_whatever_the_model_doubts():
    safety = CoverSafety(min_glory=0.99, max_butt=0.02, min_margin=0.9,
                         caption_cues=BUTT_CAPTION_CUES)
    # the novelty gate's equal odds, and a caption that says "from below"
    unsure = Candidate(1, "labelled", "labelled", "tagged", "glory",
                       {"glory": 1 / 3, "butt": 1 / 3, "topo": 1 / 3}, 1500, 1000,
                       captions="The crux from below", labelled=True)
    assert unsafe_reason(unsure, safety) is None
    assert unsafe_reason(replace(unsure, labelled=False), safety) is not None
    sure = sure_but_wrong(1, "model-sure", 0.999, 0.0)
    covers = choose_route_covers([Route(1, 10)], {1: [sure, unsure]}, safety)
    assert covers[1].sha256 == "labelled" and "glory (labelled)" in covers[1].reason
    assert cover_score(unsure) >= cover_score(sure)  # as sure as the surest model tag


def test_a_route_keeps_no_cover_rather_than_a_doubtful_one():
    safety = CoverSafety(max_butt=0.02)
    photos = {1: [sure_but_wrong(1, "doubtful", 0.97, 0.03), photo(1, "t", "topo")],
              2: [sure_but_wrong(2, "doubtful-2", 0.97, 0.03),
                  sure_but_wrong(2, "clean", 0.96, 0.001)]}
    routes = [Route(1, 10), Route(2, 10)]
    assert choose_route_covers(routes, photos)[1].sha256 == "doubtful"  # the plain rule
    covers = choose_route_covers(routes, photos, safety)
    assert covers[1].sha256 is None
    assert covers[1].reason == ("its 1 glory-tagged photo(s) are not safe covers "
                                "(butt 0.030 over 0.020)")
    assert covers[2].sha256 == "clean"
    areas = choose_area_covers({10: None}, routes, photos, covers, safety)
    assert areas[10].sha256 == "clean"


def test_a_caption_on_any_copy_rules_the_photo_out_on_every_route(crag):
    catalog, sha = crag
    with catalog.transaction() as tx:  # route 2's copy of the shared photo, captioned
        add_sighting(tx, sha["copy"], None, 1, caption="Looking up at Sam on the roof")
    artifact = ColourArtifact()
    tag_catalog(catalog, artifact, TagOptions.from_settings(batch_size=8, workers=0, backend="eager"))
    choose_covers(catalog, artifact.model_id, CoverSafety(caption_cues=BUTT_CAPTION_CUES))
    covers = dict(catalog.query("SELECT route_id, sha256 FROM route_covers "
                                "WHERE kind = 'cover' AND model_id = ?", [artifact.model_id]))
    assert covers[1] is None  # its only photo's cluster was captioned "looking up at"
    assert covers[2] == sha["own"]


def test_a_photo_a_person_labelled_glory_is_a_cover_in_the_catalog(crag):
    catalog, sha = crag  # route 3 has only a butt-shot (the model is sure) and a topo
    artifact = ColourArtifact()
    tag_catalog(catalog, artifact,
                TagOptions.from_settings(batch_size=8, workers=0, backend="eager"))
    with catalog.transaction() as tx:
        tx.execute("INSERT INTO labels (sha256, label, origin) VALUES (?, 'glory', 'review')",
                   [sha["butt"]])
    choose_covers(catalog, artifact.model_id, DEFAULT_COVER_SAFETY)
    sha256, reason = catalog.query_one("SELECT sha256, reason FROM route_covers WHERE "
                                       "route_id = 3 AND kind = 'cover' AND model_id = ?",
                                       [artifact.model_id])
    assert sha256 == sha["butt"] and reason.startswith("glory (labelled)")
