"""Read cover candidates from the catalog and store the chosen covers and topos.

A near-duplicate carries its canonical image's tag (joined through
``images.cluster_id``), so a route's own copy of a photo can be its cover. Each
candidate also carries every caption its cluster was shown with, anywhere: a
"looking up at ..." on one page rules out the same photo on every route.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tagger.covers import (Candidate, Choice, CoverSafety, Route, choose_area_covers,
                           choose_route_covers, choose_route_topos)

CANDIDATES_SQL = """
WITH cluster_captions AS (
    SELECT coalesce(ci.cluster_id, ci.sha256) AS cluster_id,
           string_agg(DISTINCT cs.caption, ' | ') AS captions
    FROM sightings cs JOIN images ci ON ci.sha256 = cs.sha256
    WHERE cs.caption IS NOT NULL
    GROUP BY ALL
)
SELECT s.route_id, i.sha256, coalesce(i.cluster_id, i.sha256) AS cluster_id,
       t.status, t.class, t.probabilities, i.width, i.height, i.sharpness,
       max(s.votes) AS votes, max(s.rating) AS rating, coalesce(cc.captions, '') AS captions
FROM sightings s
JOIN images i ON i.sha256 = s.sha256
LEFT JOIN tags t ON t.sha256 = coalesce(i.cluster_id, i.sha256) AND t.model_id = ?
LEFT JOIN cluster_captions cc ON cc.cluster_id = coalesce(i.cluster_id, i.sha256)
WHERE s.route_id IS NOT NULL
GROUP BY ALL
ORDER BY s.route_id, i.sha256
"""


@dataclass
class CoverSummary:
    routes_with_cover: int
    routes_without_cover: int
    routes_with_topo: int
    areas_with_cover: int


def load_candidates(catalog, model_id: str) -> dict[int, list[Candidate]]:
    photos: dict[int, list[Candidate]] = defaultdict(list)
    for row in catalog.query(CANDIDATES_SQL, [model_id]):
        (route_id, sha, cluster, status, predicted, probs, width, height, sharp, votes, rating,
         captions) = row
        photos[route_id].append(Candidate(route_id, sha, cluster, status, predicted,
                                          dict(probs or {}), width, height, sharp, votes, rating,
                                          captions))
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


def choose_covers(catalog, model_id: str, safety: CoverSafety = CoverSafety()) -> CoverSummary:
    """Choose and store every route's cover and topo and every area's cover."""
    routes, photos = load_routes(catalog), load_candidates(catalog, model_id)
    covers = choose_route_covers(routes, photos, safety)
    topos = choose_route_topos(routes, photos)
    area_covers = choose_area_covers(load_area_parents(catalog), routes, photos, covers, safety)
    write_covers(catalog, model_id, covers, topos, area_covers)
    with_cover = sum(1 for c in covers.values() if c.sha256)
    return CoverSummary(with_cover, len(covers) - with_cover,
                        sum(1 for c in topos.values() if c.sha256),
                        sum(1 for c in area_covers.values() if c.sha256))
