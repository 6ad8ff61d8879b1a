"""Read cover candidates from the catalog and store the chosen covers and topos.

A near-duplicate carries its canonical image's tag (joined through
``images.cluster_id``), so a route's own copy of a photo can be its cover.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tagger.covers import (Candidate, Choice, Route, choose_area_covers, choose_route_covers,
                           choose_route_topos, licence_allowed)

ALL_LICENCES = ("*",)

CANDIDATES_SQL = """
SELECT s.route_id, i.sha256, coalesce(i.cluster_id, i.sha256) AS cluster_id,
       t.status, t.class, t.probabilities, i.width, i.height, i.sharpness,
       max(s.votes) AS votes, max(s.rating) AS rating,
       list(DISTINCT coalesce(s.licence, '') ORDER BY coalesce(s.licence, '')) AS licences
FROM sightings s
JOIN images i ON i.sha256 = s.sha256
LEFT JOIN tags t ON t.sha256 = coalesce(i.cluster_id, i.sha256) AND t.model_id = ?
WHERE s.route_id IS NOT NULL
  AND s.sha256 NOT IN (SELECT sha256 FROM excluded_photos)  -- a person took it out
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
         stated) = row
        stated = tuple(s or None for s in stated)
        photos[route_id].append(Candidate(route_id, sha, cluster, status, predicted,
                                          dict(probs or {}), width, height, sharp, votes, rating,
                                          stated, licence_allowed(stated, licences)))
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


def choose_covers(catalog, model_id: str,
                  licences: tuple[str, ...] = ALL_LICENCES) -> CoverSummary:
    """Choose and store every route's cover and topo and every area's cover; only
    photos under one of ``licences`` (shell patterns) may be covers."""
    routes, photos = load_routes(catalog), load_candidates(catalog, model_id, licences)
    covers = choose_route_covers(routes, photos)
    topos = choose_route_topos(routes, photos)
    area_covers = choose_area_covers(load_area_parents(catalog), routes, photos, covers)
    write_covers(catalog, model_id, covers, topos, area_covers)
    with_cover = sum(1 for c in covers.values() if c.sha256)
    return CoverSummary(with_cover, len(covers) - with_cover,
                        sum(1 for c in topos.values() if c.sha256),
                        sum(1 for c in area_covers.values() if c.sha256))
