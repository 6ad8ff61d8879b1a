"""Would a real butt-shot become a route's cover? The cover rule on held-out verdicts.

The real photos are not on routes, so each source's held-out photos are dealt onto
routes of ``ROUTE_SIZE`` (by hash, so classes mix as on a crawled site), one area per
source, and tagger.covers chooses each route's cover from their verdicts: once with
the plain rule (any photo tagged glory) and once with a ``CoverSafety``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tagger.covers import Candidate, CoverSafety, Route, choose_route_covers

ROUTE_SIZE = 3


@dataclass
class CoverTrial:
    routes: int
    covers: int           # routes given a cover
    butt_covers: int      # ... that is a butt-shot
    topo_covers: int      # ... that is a topo
    lost: int = 0         # routes with a cover under the plain rule and none under this one

    def as_dict(self) -> dict:
        return vars(self).copy()


def deal_routes(verdicts: list[dict]) -> tuple[list[Route], dict[int, list[Candidate]], dict]:
    """Routes of ROUTE_SIZE held-out photos per source; returns routes, their candidates
    and each photo's true class."""
    by_source: dict[str, list[dict]] = defaultdict(list)
    for v in verdicts:
        by_source[v["source"]].append(v)
    routes, photos, truth = [], defaultdict(list), {}
    for area, source in enumerate(sorted(by_source)):
        group = sorted(by_source[source], key=lambda v: v["sha256"])
        for start in range(0, len(group), ROUTE_SIZE):
            route_id = len(routes) + 1
            routes.append(Route(route_id, area, source))
            for v in group[start:start + ROUTE_SIZE]:
                truth[v["sha256"]] = v["truth"]
                photos[route_id].append(Candidate(
                    route_id, v["sha256"], v["sha256"], "tagged", v["tagged"],
                    v["probabilities"], v.get("width") or 1000, v.get("height") or 667))
    return routes, photos, truth


def cover_trial(verdicts: list[dict], safety: CoverSafety) -> CoverTrial:
    """Covers chosen by the plain rule and by ``safety`` on the dealt routes."""
    routes, photos, truth = deal_routes(verdicts)
    plain = choose_route_covers(routes, photos, CoverSafety())
    safe = choose_route_covers(routes, photos, safety)
    chosen = [truth[c.sha256] for c in safe.values() if c.sha256]
    lost = sum(1 for r in plain if plain[r].sha256 and not safe[r].sha256)
    return CoverTrial(len(routes), len(chosen), chosen.count("butt"), chosen.count("topo"),
                      lost)
