"""The cover choice streamed an area at a time chooses what choosing from every candidate
in memory at once chose (the way it worked before catalogs of millions of photos)."""

from collections import defaultdict

import pytest

from catalog import open_catalog
from catalog.choices import choices_in_force
from tagger.cover_catalog import (ALL_LICENCES, candidate, choose_covers, load_area_parents,
                                  load_routes, with_pins, without_rejected)
from tagger.covers import (DEFAULT_COVER_SAFETY, CoverSafety, choose_route_covers,
                           choose_route_topos, cover_score, is_cover_candidate, pick_avoiding,
                           ranked)

MODEL = "m" * 64

# The candidates as the all-in-memory choice read them: every route's photos at once.
ALL_CANDIDATES_SQL = """
WITH cluster_captions AS (
    SELECT coalesce(ci.cluster_id, ci.sha256) AS cluster_id,
           string_agg(DISTINCT cs.caption, ' | ') AS captions
    FROM sightings cs JOIN images ci ON ci.sha256 = cs.sha256
    WHERE cs.caption IS NOT NULL
    GROUP BY ALL
)
SELECT s.route_id, i.sha256, coalesce(i.cluster_id, i.sha256) AS cluster_id,
       t.status, CASE WHEN t.status = 'tagged' THEN coalesce(l.label, t.class) END,
       t.probabilities, i.width, i.height, i.sharpness,
       max(s.votes) AS votes, max(s.rating) AS rating, coalesce(cc.captions, '') AS captions,
       list(DISTINCT coalesce(s.licence, '') ORDER BY coalesce(s.licence, '')) AS licences,
       t.status = 'tagged' AND l.label IS NOT NULL AS labelled
FROM sightings s
JOIN images i ON i.sha256 = s.sha256
LEFT JOIN tags t ON t.sha256 = coalesce(i.cluster_id, i.sha256) AND t.model_id = ?
LEFT JOIN cluster_captions cc ON cc.cluster_id = coalesce(i.cluster_id, i.sha256)
LEFT JOIN labels l ON l.sha256 = i.sha256
WHERE s.route_id IS NOT NULL AND i.sha256 NOT IN (SELECT sha256 FROM excluded_photos)
GROUP BY ALL
ORDER BY s.route_id, i.sha256
"""

# Four regions of crags, routes in crags and some in a region itself; photos seen on
# one to three routes, one in five a near-duplicate of the one before; tags that are
# sure, unsure or failed; captions that say "looking up"; licences; labels; exclusions.
BUILD_SQL = f"""
INSERT INTO areas (area_id, source_id, external_id, name, parent_id, path)
    SELECT i, 1, 'a' || i, 'Region ' || i, NULL, 'Region ' || i FROM range(1, 5) t(i);
INSERT INTO areas (area_id, source_id, external_id, name, parent_id, path)
    SELECT i, 1, 'a' || i, 'Crag ' || i, 1 + i % 4, 'Crag ' || i FROM range(5, 45) t(i);
INSERT INTO routes (route_id, source_id, external_id, area_id, name)
    SELECT i, 1, 'r' || i, CASE WHEN i % 17 = 0 THEN 1 + i % 4 ELSE 5 + i % 40 END,
           'Route ' || i FROM range(1, 301) t(i);
INSERT INTO images (sha256, bytes, format, width, height, mode, phash, cluster_id,
                    is_canonical, original_path, derivative_path, sharpness)
    SELECT sha256(i::VARCHAR), 1000, 'JPEG', 900 + (i % 9) * 150, 600 + (i % 5) * 200, 'RGB',
           i, sha256((i - (i % 5 = 4)::INT)::VARCHAR), i % 5 <> 4,
           'o/' || i, 'd/' || i, CASE WHEN i % 7 <> 0 THEN 20 + i % 300 END
    FROM range(1500) t(i);
INSERT INTO sightings (sighting_key, sha256, source_id, route_id, area_id, caption, licence, votes)
    SELECT 'k' || i, sha256((i % 1500)::VARCHAR), 1, 1 + hash(i * 7) % 300, NULL,
           CASE WHEN i % 23 = 0 THEN 'looking up at the crux' WHEN i % 3 = 0 THEN 'photo ' || i END,
           CASE WHEN i % 11 = 0 THEN 'All rights reserved' WHEN i % 4 = 0 THEN 'CC BY 4.0' END,
           CASE WHEN i % 2 = 0 THEN (hash(i) % 50)::INTEGER END
    FROM range(2600) t(i);
INSERT INTO models (model_id, path, backbone, classes, threshold)
    VALUES ('{MODEL}', 'm', 'x', ['glory', 'butt', 'topo'], 0.5);
INSERT INTO tags (sha256, model_id, status, class, confidence, probabilities, reason)
    SELECT sha256, '{MODEL}', CASE WHEN k = 7 THEN 'failed' ELSE 'tagged' END,
           CASE WHEN k = 7 THEN NULL WHEN k < 4 THEN 'glory' WHEN k = 4 THEN 'butt'
                WHEN k < 7 THEN 'topo' ELSE 'other' END, 0.9,
           CASE WHEN k = 7 THEN NULL ELSE map(['glory', 'butt', 'topo'], p) END,
           CASE WHEN k = 7 THEN 'unreadable' END
    FROM (SELECT sha256(i::VARCHAR) AS sha256, hash(i) % 9 AS k,
                 CASE hash(i) % 9 WHEN 0 THEN [0.999, 0.0005, 0.0005] WHEN 1 THEN [0.97, 0.02, 0.01]
                      WHEN 2 THEN [0.9, 0.005, 0.095] WHEN 3 THEN [0.995, 0.004, 0.001]
                      WHEN 4 THEN [0.1, 0.8, 0.1] WHEN 5 THEN [0.05, 0.05, 0.9]
                      WHEN 6 THEN [0.2, 0.1, 0.7] ELSE [0.4, 0.3, 0.3] END::DOUBLE[] AS p
          FROM range(1450) t(i) WHERE i % 5 <> 4);
INSERT INTO labels (sha256, label, origin)
    SELECT sha256(i::VARCHAR), ['glory', 'butt', 'topo'][1 + i % 3], 'test'
    FROM range(0, 1500, 37) t(i);
INSERT INTO exclusions (sha256, action, reason) SELECT sha256(i::VARCHAR), 'exclude', 'test'
    FROM range(3, 1500, 97) t(i);
-- A crag whose two routes have one photo between them: they and the crag must share it.
INSERT INTO areas (area_id, source_id, external_id, name, parent_id) VALUES (45, 1, 'a45', 'Tiny', 1);
INSERT INTO routes (route_id, source_id, external_id, area_id, name)
    VALUES (301, 1, 'r301', 45, 'One'), (302, 1, 'r302', 45, 'Two');
INSERT INTO images (sha256, bytes, format, width, height, mode, phash, is_canonical,
                    original_path, derivative_path) VALUES
    ('shared', 1, 'JPEG', 1500, 1000, 'RGB', 1, TRUE, 'o/s', 'd/s');
INSERT INTO sightings (sighting_key, sha256, source_id, route_id)
    VALUES ('s1', 'shared', 1, 301), ('s2', 'shared', 1, 302);
INSERT INTO tags (sha256, model_id, status, class, confidence, probabilities)
    VALUES ('shared', '{MODEL}', 'tagged', 'glory', 0.999,
            map(['glory', 'butt', 'topo'], [0.999, 0.0005, 0.0005]));
"""


def build(catalog) -> None:
    with catalog.transaction() as tx:
        tx.execute("INSERT INTO sources (source_id, kind, name) VALUES (1, 'html', 't')")
        for statement in filter(str.strip, BUILD_SQL.split(";")):
            tx.execute(statement)
        # A person's pin and reject on two routes that have photos.
        for kind, action in (("cover", "pin"), ("cover", "reject"), ("topo", "pin")):
            route, sha = tx.execute(
                "SELECT route_id, min(sha256) FROM sightings WHERE route_id NOT IN "
                "(SELECT route_id FROM cover_choices) GROUP BY route_id ORDER BY route_id "
                "LIMIT 1").fetchone()
            tx.execute("INSERT INTO cover_choices (route_id, kind, action, sha256) "
                       "VALUES (?, ?, ?, ?)", [route, kind, action, sha])


def area_covers_all_at_once(parents, routes, photos, covers, safety):
    """Every area's cover from all its subtree's candidates ranked together."""
    under = {a: [] for a in parents}
    for route in routes:
        area, seen = route.area_id, set()
        while area is not None and area in under and area not in seen:
            under[area].append(route)
            seen.add(area)
            area = parents.get(area)

    def depth(area, seen=()):
        parent = parents.get(area)
        return 0 if parent is None or parent in seen or parent not in parents else \
            1 + depth(parent, seen + (area,))
    chosen = {}
    for area in sorted(parents, key=lambda a: (-depth(a), a)):
        options = ranked((c for r in under[area] for c in photos.get(r.route_id, [])),
                         lambda c: is_cover_candidate(c, safety), cover_score)
        used = {covers[r.route_id].cluster_id for r in routes
                if r.area_id == area and r.route_id in covers}
        used |= {chosen[a].cluster_id for a, p in parents.items() if p == area and a in chosen}
        empty = (f"no glory-shot on any of its {len(under[area])} route(s)" if under[area]
                 else "no routes in this area")
        chosen[area] = pick_avoiding(options, used - {None}, empty,
                                     "shares a cluster with one of its routes' or sub-areas' "
                                     "covers (no other glory-shot)")
    return chosen


def all_at_once(catalog, safety):
    photos = defaultdict(list)
    for row in catalog.query(ALL_CANDIDATES_SQL, [MODEL]):
        photos[row[0]].append(candidate(row, ALL_LICENCES))
    routes, choices = load_routes(catalog), choices_in_force(catalog)
    covers = with_pins(choose_route_covers(routes, without_rejected(photos, choices, "cover"),
                                           safety), photos, choices, "cover")
    topos = with_pins(choose_route_topos(routes, without_rejected(photos, choices, "topo")),
                      photos, choices, "topo")
    areas = area_covers_all_at_once(load_area_parents(catalog), routes, photos, covers, safety)
    rows = {(r, kind): (c.sha256, c.score, c.reason)
            for kind, chosen in (("cover", covers), ("topo", topos)) for r, c in chosen.items()}
    return rows, {a: (c.sha256, c.score, c.reason) for a, c in areas.items()}


def stored(catalog):
    routes = {(r, kind): (sha, score, reason) for r, kind, sha, score, reason in catalog.query(
        "SELECT route_id, kind, sha256, score, reason FROM route_covers WHERE model_id = ?",
        [MODEL])}
    areas = {a: (sha, score, reason) for a, sha, score, reason in catalog.query(
        "SELECT area_id, sha256, score, reason FROM area_covers WHERE model_id = ?", [MODEL])}
    return routes, areas


@pytest.mark.parametrize("safety", [CoverSafety(), DEFAULT_COVER_SAFETY,
                                    CoverSafety(max_butt=0.01, min_margin=0.9)])
def test_streamed_cover_choice_equals_choosing_from_every_candidate_at_once(
        catalog_path, monkeypatch, safety):
    monkeypatch.setattr("tagger.cover_catalog.BATCH_ROWS", 7)  # areas cut across batches
    with open_catalog(catalog_path) as catalog:
        build(catalog)
        expected_routes, expected_areas = all_at_once(catalog, safety)
        choose_covers(catalog, MODEL, safety)
        routes, areas = stored(catalog)
    assert routes == expected_routes
    assert areas == expected_areas
    # the catalog is varied enough to tell a wrong choice from a right one
    chosen = [sha for sha, _, _ in routes.values() if sha]
    assert len(chosen) > 100 and len(set(chosen)) > 80
    assert any("sibling" in reason for _, _, reason in routes.values())
    assert any("pinned by a person" in reason for _, _, reason in routes.values())
    assert sum(1 for sha, _, _ in areas.values() if sha) >= 40
    assert any("shares a cluster" in reason for _, _, reason in areas.values())
