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

from catalog.choices import choices_in_force
from tagger.covers import (Candidate, Choice, CoverSafety, Route, choose_area_covers,
                           choose_route_covers, choose_route_topos, licence_allowed)

ALL_LICENCES = ("*",)

CANDIDATES_SQL = """
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
       list(DISTINCT coalesce(s.licence, '') ORDER BY coalesce(s.licence, '')) AS licences
FROM sightings s
JOIN images i ON i.sha256 = s.sha256
LEFT JOIN tags t ON t.sha256 = coalesce(i.cluster_id, i.sha256) AND t.model_id = ?
LEFT JOIN cluster_captions cc ON cc.cluster_id = coalesce(i.cluster_id, i.sha256)
LEFT JOIN labels l ON l.sha256 = i.sha256
WHERE s.route_id IS NOT NULL AND i.sha256 NOT IN (SELECT sha256 FROM excluded_photos)
GROUP BY ALL
ORDER BY s.route_id, i.sha256
"""


@dataclass
class CoverSummary:
    routes_with_cover: int
    routes_without_cover: int
    routes_with_topo: int
    areas_with_cover: int


def load_candidates(catalog, model_id: str, licences: tuple[str, ...] = ALL_LICENCES,
                    ) -> dict[int, list[Candidate]]:
    """Every route's photos; ``licences`` (cover.licences) says which may be covers."""
    photos: dict[int, list[Candidate]] = defaultdict(list)
    for row in catalog.query(CANDIDATES_SQL, [model_id]):
        (route_id, sha, cluster, status, predicted, probs, width, height, sharp, votes, rating,
         captions, stated) = row
        stated = tuple(s or None for s in stated)
        photos[route_id].append(Candidate(route_id, sha, cluster, status, predicted,
                                          dict(probs or {}), width, height, sharp, votes, rating,
                                          captions, stated, licence_allowed(stated, licences)))
    return photos


def load_routes(catalog) -> list[Route]:
    return [Route(*r) for r in catalog.query(
        "SELECT route_id, area_id, name FROM routes ORDER BY route_id")]


def load_area_parents(catalog) -> dict[int, int | None]:
    return dict(catalog.query("SELECT area_id, parent_id FROM areas ORDER BY area_id"))


def write_covers(catalog, model_id: str, covers: dict[int, Choice], topos: dict[int, Choice],
                 area_covers: dict[int, Choice]) -> None:
    """Replace this model's covers in one transaction."""
    route_rows = [(r, model_id, kind, c.sha256, c.score, c.reason)
                  for kind, chosen in (("cover", covers), ("topo", topos))
                  for r, c in chosen.items()]
    area_rows = [(a, model_id, c.sha256, c.score, c.reason) for a, c in area_covers.items()]
    with catalog.transaction() as tx:
        tx.execute("DELETE FROM route_covers WHERE model_id = ?", [model_id])
        tx.execute("DELETE FROM area_covers WHERE model_id = ?", [model_id])
        insert_rows(tx, "route_covers (route_id, model_id, kind, sha256, score, reason)",
                    route_rows)
        insert_rows(tx, "area_covers (area_id, model_id, sha256, score, reason)", area_rows)


def insert_rows(tx, target: str, rows: list[tuple], chunk: int = 500) -> None:
    """Many rows in few statements (DuckDB's executemany pays per row)."""
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        group = "(" + ", ".join("?" * len(part[0])) + ")"
        tx.execute(f"INSERT INTO {target} VALUES " + ", ".join([group] * len(part)),
                   [value for row in part for value in row])


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
    photos under one of ``licences`` (shell patterns) may be covers."""
    routes, photos = load_routes(catalog), load_candidates(catalog, model_id, licences)
    choices = choices_in_force(catalog)
    covers = with_pins(choose_route_covers(routes, without_rejected(photos, choices, "cover"),
                                           safety), photos, choices, "cover")
    topos = with_pins(choose_route_topos(routes, without_rejected(photos, choices, "topo")),
                      photos, choices, "topo")
    area_covers = choose_area_covers(load_area_parents(catalog), routes, photos, covers, safety)
    write_covers(catalog, model_id, covers, topos, area_covers)
    with_cover = sum(1 for c in covers.values() if c.sha256)
    return CoverSummary(with_cover, len(covers) - with_cover,
                        sum(1 for c in topos.values() if c.sha256),
                        sum(1 for c in area_covers.values() if c.sha256))
