"""How good are the covers? Compare them with labels taken as ground truth
(the sample site's labels.csv, or a hand-labelled set)."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.classes import GLORY

CHECK_SQL = """
WITH glory_routes AS (
    SELECT DISTINCT s.route_id FROM sightings s JOIN labels l ON l.sha256 = s.sha256
    WHERE l.label = 'glory' AND s.route_id IS NOT NULL
)
SELECT r.route_id, r.route_id IN (SELECT route_id FROM glory_routes) AS has_true_glory,
       c.sha256, l.label
FROM routes r
LEFT JOIN route_covers c ON c.route_id = r.route_id AND c.model_id = ? AND c.kind = 'cover'
LEFT JOIN labels l ON l.sha256 = c.sha256
"""


@dataclass
class CoverCheck:
    """Covers against the truth.

    ``precision`` is the done-when figure: of the routes that had a glory
    candidate (and so got a cover), the share whose cover is a true glory-shot.
    ``coverage``: of the routes with a true glory-shot, the share that got one.
    """

    routes_with_cover: int
    true_glory_covers: int
    routes_with_true_glory: int
    wrong_covers: list[tuple[int, str, str | None]]  # (route, sha256, true label or None)

    @property
    def precision(self) -> float:
        return self.true_glory_covers / self.routes_with_cover if self.routes_with_cover else 1.0

    @property
    def coverage(self) -> float:
        covered = self.true_glory_covers
        return covered / self.routes_with_true_glory if self.routes_with_true_glory else 1.0


def check_covers(catalog, model_id: str) -> CoverCheck:
    rows = catalog.query(CHECK_SQL, [model_id])
    covered = [(route, sha, label) for route, _, sha, label in rows if sha is not None]
    return CoverCheck(
        routes_with_cover=len(covered),
        true_glory_covers=sum(1 for _, _, label in covered if label == GLORY),
        routes_with_true_glory=sum(1 for _, has_true, _, _ in rows if has_true),
        wrong_covers=[c for c in covered if c[2] != GLORY])
