"""How good are the covers? Compare them with labels taken as ground truth
(the sample site's labels.csv, or a hand-labelled set)."""

from __future__ import annotations

from dataclasses import dataclass

CHECK_SQL = """
WITH glory_routes AS (
    SELECT DISTINCT s.route_id FROM sightings s JOIN labels l ON l.sha256 = s.sha256
    WHERE l.label = 'glory' AND s.route_id IS NOT NULL
)
SELECT r.route_id, r.route_id IN (SELECT route_id FROM glory_routes) AS has_glory,
       c.sha256, l.label
FROM routes r
LEFT JOIN route_covers c ON c.route_id = r.route_id AND c.model_id = ? AND c.kind = 'cover'
LEFT JOIN labels l ON l.sha256 = c.sha256
"""


@dataclass
class CoverCheck:
    """Routes with a glory-shot in the truth, and how many got a true glory-shot cover."""

    routes_with_glory: int
    true_glory_covers: int
    covers_without_truth: int       # covers whose photo has no label
    wrong_covers: list[tuple[int, str, str | None]]  # (route, sha256, true label)

    @property
    def share(self) -> float:
        """The done-when figure: true glory covers / routes with a glory candidate."""
        return self.true_glory_covers / self.routes_with_glory if self.routes_with_glory else 1.0


def check_covers(catalog, model_id: str) -> CoverCheck:
    rows = catalog.query(CHECK_SQL, [model_id])
    wrong = [(route, sha, label) for route, _, sha, label in rows
             if sha is not None and label != "glory"]
    return CoverCheck(
        routes_with_glory=sum(1 for _, has_glory, _, _ in rows if has_glory),
        true_glory_covers=sum(1 for _, has_glory, sha, label in rows
                              if has_glory and sha is not None and label == "glory"),
        covers_without_truth=sum(1 for _, _, sha, label in rows if sha and label is None),
        wrong_covers=wrong)
