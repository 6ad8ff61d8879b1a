"""Read cover candidates from the catalog and store the chosen covers and topos.

A near-duplicate carries its canonical image's tag (joined through
``images.cluster_id``), so a route's own copy of a photo can be its cover. Each
candidate also carries every caption its cluster was shown with, anywhere: a
"looking up at ..." on one page rules out the same photo on every route.
What a person decided wins over the model: an excluded photo is no candidate,
a human label stands in for the model's class, a rejected photo is no
candidate for that route, and a pinned photo is the route's choice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator

from catalog.choices import choices_in_force
from tagger.covers import (AreaOptions, Candidate, Choice, CoverSafety, Route,
                           choose_route_covers, choose_route_topos, licence_allowed)

ALL_LICENCES = ("*",)

# Every route's photos, one row per (route, photo), in the order of the routes' areas:
# read in batches, one area's candidates at a time are in Python memory.
CANDIDATES_SQL = """
WITH cluster_captions AS (
    SELECT coalesce(ci.cluster_id, ci.sha256) AS cluster_id,
           string_agg(DISTINCT cs.caption, ' | ') AS captions
    FROM sightings cs JOIN images ci ON ci.sha256 = cs.sha256
    WHERE cs.caption IS NOT NULL
    GROUP BY ALL
)
SELECT r.area_id, s.route_id, i.sha256, coalesce(i.cluster_id, i.sha256) AS cluster_id,
       t.status, CASE WHEN t.status = 'tagged' THEN coalesce(l.label, t.class) END,
       t.probabilities, i.width, i.height, i.sharpness,
       max(s.votes) AS votes, max(s.rating) AS rating, coalesce(cc.captions, '') AS captions,
       list(DISTINCT coalesce(s.licence, '') ORDER BY coalesce(s.licence, '')) AS licences,
       t.status = 'tagged' AND l.label IS NOT NULL AS labelled
FROM sightings s
JOIN routes r ON r.route_id = s.route_id
JOIN images i ON i.sha256 = s.sha256
LEFT JOIN tags t ON t.sha256 = coalesce(i.cluster_id, i.sha256) AND t.model_id = ?
LEFT JOIN cluster_captions cc ON cc.cluster_id = coalesce(i.cluster_id, i.sha256)
LEFT JOIN labels l ON l.sha256 = i.sha256
WHERE i.sha256 NOT IN (SELECT sha256 FROM excluded_photos)
GROUP BY ALL
ORDER BY r.area_id NULLS LAST, s.route_id, i.sha256
"""
BATCH_ROWS = 10_000   # candidate rows fetched at a time


@dataclass
class CoverSummary:
    routes_with_cover: int
    routes_without_cover: int
    routes_with_topo: int
    areas_with_cover: int


def area_candidates(catalog, model_id: str, licences: tuple[str, ...] = ALL_LICENCES,
                    ) -> Iterator[tuple[int | None, dict[int, list[Candidate]]]]:
    """Each area's routes' photos, one area at a time (an area's routes choose their
    covers together); ``licences`` (cover.licences) says which may be covers. The rows
    stream from a cursor of their own, so the catalog's connection stays free."""
    cursor = catalog.con.cursor()
    try:
        cursor.execute(CANDIDATES_SQL, [model_id])
        area, photos = None, defaultdict(list)
        while batch := cursor.fetchmany(BATCH_ROWS):
            for row in batch:
                if photos and row[0] != area:
                    yield area, photos
                    photos = defaultdict(list)
                area = row[0]
                photos[row[1]].append(candidate(row[1:], licences))
        if photos:
            yield area, photos
    finally:
        cursor.close()


def candidate(row: tuple, licences: tuple[str, ...]) -> Candidate:
    (route_id, sha, cluster, status, predicted, probs, width, height, sharp, votes, rating,
     captions, stated, labelled) = row
    stated = tuple(s or None for s in stated)
    allowed = licences == ALL_LICENCES or licence_allowed(stated, licences)
    return Candidate(route_id, sha, cluster, status, predicted, dict(probs or {}), width,
                     height, sharp, votes, rating, captions, stated, allowed, bool(labelled))


def load_routes(catalog) -> list[Route]:
    return [Route(*r) for r in catalog.query(
        "SELECT route_id, area_id, name FROM routes ORDER BY route_id")]


def load_area_parents(catalog) -> dict[int, int | None]:
    return dict(catalog.query("SELECT area_id, parent_id FROM areas ORDER BY area_id"))


def write_covers(catalog, model_id: str, covers: dict[int, Choice], topos: dict[int, Choice],
                 area_covers: dict[int, Choice]) -> None:
    """Replace this model's covers in one transaction."""
    routes = [(r, kind, c.sha256, c.score, c.reason)
              for kind, chosen in (("cover", covers), ("topo", topos))
              for r, c in chosen.items()]
    areas = [(a, c.sha256, c.score, c.reason) for a, c in area_covers.items()]
    with catalog.transaction() as tx:
        tx.execute("DELETE FROM route_covers WHERE model_id = ?", [model_id])
        tx.execute("DELETE FROM area_covers WHERE model_id = ?", [model_id])
        # One statement per table, each column a list: DuckDB binds a list at once,
        # where a parameter per value costs more than the rows' whole write.
        if routes:
            route_ids, kinds, shas, scores, reasons = map(list, zip(*routes))
            tx.execute("""INSERT INTO route_covers (route_id, model_id, kind, sha256, score, reason)
                          SELECT unnest(?::INTEGER[]), ?, unnest(?::VARCHAR[]),
                                 unnest(?::VARCHAR[]), unnest(?::DOUBLE[]),
                                 unnest(?::VARCHAR[])""",
                       [route_ids, model_id, kinds, shas, scores, reasons])
        if areas:
            area_ids, shas, scores, reasons = map(list, zip(*areas))
            tx.execute("""INSERT INTO area_covers (area_id, model_id, sha256, score, reason)
                          SELECT unnest(?::INTEGER[]), ?, unnest(?::VARCHAR[]),
                                 unnest(?::DOUBLE[]), unnest(?::VARCHAR[])""",
                       [area_ids, model_id, shas, scores, reasons])


def without_rejected(photos: dict[int, list[Candidate]], choices: dict, kind: str,
                     ) -> dict[int, list[Candidate]]:
    """The candidates less each route's photo a person rejected for ``kind``."""
    refused = {route: sha for (route, k), (action, sha) in choices.items()
               if k == kind and action == "reject"}
    return {route: [c for c in found if c.sha256 != refused.get(route)]
            for route, found in photos.items()}


def with_pins(chosen: dict[int, Choice], photos: dict[int, list[Candidate]], choices: dict,
              kind: str) -> dict[int, Choice]:
    """A person's pin replaces the model's choice (when the photo is still a candidate)."""
    for (route, k), (action, sha) in choices.items():
        pinned = next((c for c in photos.get(route, []) if c.sha256 == sha), None)
        if k == kind and action == "pin" and pinned is not None:
            chosen[route] = Choice(sha, None, "pinned by a person", pinned.cluster_id)
    return chosen


def choose_covers(catalog, model_id: str, safety: CoverSafety = CoverSafety(),
                  licences: tuple[str, ...] = ALL_LICENCES) -> CoverSummary:
    """Choose and store every route's cover and topo and every area's cover; only
    photos under one of ``licences`` (shell patterns) may be covers. The candidates
    stream in an area at a time: memory holds one area's photos and each area's few
    best glory-shots, whatever the catalog's size."""
    routes = load_routes(catalog)
    siblings: dict[int | None, list[Route]] = defaultdict(list)
    for route in routes:
        siblings[route.area_id].append(route)
    choices: dict[int, dict] = defaultdict(dict)
    for (route_id, kind), choice in choices_in_force(catalog).items():
        choices[route_id][(route_id, kind)] = choice
    areas = AreaOptions(load_area_parents(catalog), routes, safety)
    covers: dict[int, Choice] = {}
    topos: dict[int, Choice] = {}
    pending = set(siblings)
    for area, photos in area_candidates(catalog, model_id, licences):
        pending.discard(area)
        choose_for_area(siblings[area], photos, choices, safety, covers, topos)
        for route in siblings[area]:
            areas.add(route, photos.get(route.route_id, []))
    for area in pending:  # areas whose routes have no photos at all
        choose_for_area(siblings[area], {}, choices, safety, covers, topos)
    area_covers = areas.choose(covers)
    write_covers(catalog, model_id, covers, topos, area_covers)
    with_cover = sum(1 for c in covers.values() if c.sha256)
    return CoverSummary(with_cover, len(covers) - with_cover,
                        sum(1 for c in topos.values() if c.sha256),
                        sum(1 for c in area_covers.values() if c.sha256))


def choose_for_area(routes: list[Route], photos: dict[int, list[Candidate]],
                    choices: dict[int, dict], safety: CoverSafety,
                    covers: dict[int, Choice], topos: dict[int, Choice]) -> None:
    """One area's routes' covers and topos (siblings avoid each other's clusters) into
    ``covers`` and ``topos``, a person's rejects and pins applied."""
    mine = {key: choice for route in routes for key, choice in choices[route.route_id].items()}
    covers.update(with_pins(choose_route_covers(routes, without_rejected(photos, mine, "cover"),
                                                safety), photos, mine, "cover"))
    topos.update(with_pins(choose_route_topos(routes, without_rejected(photos, mine, "topo")),
                           photos, mine, "topo"))
