"""Choose each route's cover photo and best topo, and each area's cover.

Pure functions over candidate rows (see tagger.cover_catalog for reading and
writing them). A cover is always a photo tagged glory; a butt-shot, a topo or
an 'other' never is. Among a route's glory-shots the score weighs the model's
P(glory) (most, on its log-odds) with what makes a good card: resolution, a
landscape aspect near 3:2, sharpness, and the source's votes or rating where
it has them. Sibling routes
(and their area) avoid showing the same near-duplicate cluster when another
candidate exists.

A glory tag alone does not make a cover: the model can be sure and wrong on a
photo unlike any it saw (a butt-shot from a new source). ``CoverSafety`` adds what
else is known: P(glory) must clear the guard chosen by leave-one-source-out, P(butt)
must stay low, the margin over the next class must be wide, and no caption of the
photo's near-duplicate cluster may say it was taken from below ("looking up at",
"belay view", ...). A route whose only glory-shots fail it keeps no cover rather
than a doubtful one.
"""

from __future__ import annotations

import fnmatch
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Iterable

from catalog.classes import BUTT, GLORY, TOPO

CARD_ASPECT = 1.5          # 3:2, the shape of a route card
FULL_RESOLUTION = 1000     # short side (px) at which resolution stops adding to the score
SHARPNESS_HALF = 100.0     # Laplacian variance that scores 0.5 (higher saturates towards 1)
SURE_LOGIT = math.log(999)  # P = 0.999: the model is as sure as it gets
# How sure the model is that a photo is a glory-shot weighs most: every candidate is
# already over the threshold, so P(glory) is compared on its log-odds, where 0.99 and
# 0.999 differ as much as they should. Card quality decides between photos it is about
# equally sure of (a wrong class on a cover costs more than a plainer photo).
COVER_WEIGHTS = {"glory": 0.7, "resolution": 0.1, "aspect": 0.1, "sharpness": 0.05,
                 "community": 0.05}
TOPO_WEIGHTS = {"topo": 0.6, "resolution": 0.3, "sharpness": 0.1}


@dataclass(frozen=True)
class Candidate:
    """One photo seen on one route, with its (cluster's) tag."""

    route_id: int
    sha256: str
    cluster_id: str
    status: str | None            # tagged | failed | None (no tag from this model yet)
    predicted: str | None         # glory | butt | topo | other
    probabilities: dict[str, float]
    width: int
    height: int
    sharpness: float | None = None
    votes: int | None = None
    rating: float | None = None   # 0..5 where the source rates photos
    captions: str = ""            # every caption its near-duplicate cluster was shown with
    licences: tuple[str, ...] = ()  # as its sightings on this route state them
    licence_ok: bool = True       # one of them is allowed by cover.licences
    labelled: bool = False        # ``predicted`` is a person's label, not the model's class


# Words in a caption that say the photo looks up at the climber from below or behind.
BUTT_CAPTION_CUES = ("looking up", "belay view", "belayer's view", "view from the belay",
                     "from the belay", "from below", "from the ground", "from the base",
                     "from behind", "rear view", "butt shot", "butt-shot", "view up")


@dataclass(frozen=True)
class CoverSafety:
    """What a photo tagged glory must also pass to be a cover (all off by default)."""

    min_glory: float = 0.0    # the glory guard: least P(glory)
    max_butt: float = 1.0     # most P(butt)
    min_margin: float = 0.0   # least P(glory) minus the next class's probability
    caption_cues: tuple[str, ...] = ()


# The rule tag-catalog applies unless settings say otherwise (tag.cover_* settings);
# chosen on the leave-one-source-out runs (bench/RESULTS.md, "Real photos, round 2").
# P(butt) <= 0.01 costs nothing behind the LOSO glory guard and is a second line
# behind a looser threshold; min_glory stays 0 because a P(glory) floor does not carry
# from one model to another (each artifact's own guard is its class threshold).
DEFAULT_COVER_SAFETY = CoverSafety(min_glory=0.0, max_butt=0.01, min_margin=0.0,
                                   caption_cues=BUTT_CAPTION_CUES)


def unsafe_reason(c: Candidate, safety: CoverSafety) -> str | None:
    """Why a glory-tagged photo may not be a cover, or None when it may (always, when a
    person labelled it glory: the checks are for the model's doubts, not theirs)."""
    if c.labelled:
        return None
    probs = c.probabilities
    glory = probs.get(GLORY, 0.0)
    others = [p for k, p in probs.items() if k != GLORY]
    if glory < safety.min_glory:
        return f"glory {glory:.3f} under the guard {safety.min_glory:.3f}"
    if probs.get(BUTT, 0.0) > safety.max_butt:
        return f"butt {probs.get(BUTT, 0.0):.3f} over {safety.max_butt:.3f}"
    if glory - max(others, default=0.0) < safety.min_margin:
        return f"margin {glory - max(others, default=0.0):.3f} under {safety.min_margin:.3f}"
    text = c.captions.lower()
    cue = next((w for w in safety.caption_cues if w in text), None)
    return f"caption says '{cue}'" if cue else None


@dataclass(frozen=True)
class Choice:
    """A chosen photo (or None) with its score and a reason a person can read."""

    sha256: str | None
    score: float | None
    reason: str
    cluster_id: str | None = None


@dataclass(frozen=True)
class Route:
    route_id: int
    area_id: int | None
    name: str = ""


# -- scores -------------------------------------------------------------------
def resolution_score(c: Candidate) -> float:
    return min(1.0, min(c.width, c.height) / FULL_RESOLUTION)


def aspect_score(c: Candidate) -> float:
    """1 at 3:2 landscape, 0 at a quarter or four times that; a square (cropped to the
    card) scores 0.7, a 3:4 portrait 0.5, a 9:16 portrait under 0.3."""
    ratio = c.width / c.height if c.height else 0.0
    if ratio <= 0:
        return 0.0
    return max(0.0, 1.0 - abs(math.log(ratio / CARD_ASPECT)) / math.log(4))


def sureness(p: float) -> float:
    """P(class) as log-odds scaled to 0..1 (0 at P = 0.5, 1 from P = 0.999)."""
    p = min(max(p, 1e-9), 1 - 1e-9)
    return min(1.0, max(0.0, math.log(p / (1 - p)) / SURE_LOGIT))


def sharpness_score(c: Candidate) -> float:
    if c.sharpness is None:
        return 0.5
    return c.sharpness / (c.sharpness + SHARPNESS_HALF)


def community_score(c: Candidate) -> float:
    """Votes and rating where the source has them; neutral (0.5) where it has neither."""
    parts = []
    if c.votes is not None:
        parts.append(min(1.0, math.log1p(max(c.votes, 0)) / math.log1p(100)))
    if c.rating is not None:
        parts.append(min(1.0, max(c.rating, 0.0) / 5.0))
    return sum(parts) / len(parts) if parts else 0.5


def class_probability(c: Candidate, name: str) -> float:
    """The model's P(name), or certainty where a person labelled the photo ``name``."""
    return 1.0 if c.labelled and c.predicted == name else c.probabilities.get(name, 0.0)


def cover_score(c: Candidate) -> float:
    parts = {"glory": sureness(class_probability(c, GLORY)),
             "resolution": resolution_score(c),
             "aspect": aspect_score(c), "sharpness": sharpness_score(c),
             "community": community_score(c)}
    return round(sum(COVER_WEIGHTS[k] * v for k, v in parts.items()), 6)


def topo_score(c: Candidate) -> float:
    parts = {"topo": sureness(class_probability(c, TOPO)),
             "resolution": resolution_score(c),
             "sharpness": sharpness_score(c)}
    return round(sum(TOPO_WEIGHTS[k] * v for k, v in parts.items()), 6)


def cover_reason(c: Candidate) -> str:
    glory = "(labelled)" if c.labelled else f"{c.probabilities.get(GLORY, 0.0):.2f}"
    words = [f"{GLORY} {glory}", f"{c.width}x{c.height}",
             f"aspect {c.width / c.height:.2f}" if c.height else "aspect ?"]
    if c.sharpness is not None:
        words.append(f"sharpness {c.sharpness:.0f}")
    if c.votes is not None:
        words.append(f"{c.votes} votes")
    if c.rating is not None:
        words.append(f"rated {c.rating:g}")
    return ", ".join(words)


# -- what a route has to offer ------------------------------------------------
def licence_allowed(licences: tuple[str, ...], patterns: tuple[str, ...]) -> bool:
    """Whether one of a photo's licences matches one of ``patterns`` (shell-style,
    case-insensitive; a photo without a stated licence matches only '*')."""
    return any(fnmatch.fnmatchcase((licence or "").casefold(), pattern.casefold())
               for licence in (licences or ("",)) for pattern in patterns)


def licence_reason(photos: list[Candidate]) -> str | None:
    """Why a route whose glory-shots are all under a licence cover.licences leaves out
    has no cover; None when that is not why."""
    glory = [c for c in photos if c.status == "tagged" and c.predicted == GLORY]
    if not glory or any(c.licence_ok for c in glory):
        return None
    stated = sorted({licence or "no licence stated" for c in glory
                     for licence in (c.licences or ("",))})
    if stated == ["All rights reserved"]:
        return f"no cover: only all-rights-reserved photos ({len(glory)} glory-shot(s))"
    return (f"no cover: its {len(glory)} glory-shot(s) are under licences cover.licences "
            f"does not allow ({', '.join(stated)})")
def is_cover_candidate(c: Candidate, safety: CoverSafety = CoverSafety()) -> bool:
    return (c.status == "tagged" and c.predicted == GLORY and c.licence_ok
            and unsafe_reason(c, safety) is None)


def is_topo_candidate(c: Candidate) -> bool:
    return c.status == "tagged" and c.predicted == TOPO


def no_candidate_reason(photos: list[Candidate], wanted: str,
                        safety: CoverSafety | None = None) -> str:
    """Why a route has no cover (wanted='glory-shot') or no topo (wanted='topo')."""
    if safety is not None:
        refused = [r for r in (unsafe_reason(c, safety) for c in photos
                               if c.status == "tagged" and c.predicted == GLORY) if r]
        if refused:
            return (f"its {len(refused)} glory-tagged photo(s) are not safe covers "
                    f"({refused[0]})")
    if not photos:
        return "no photos on this route"
    if wanted == "glory-shot" and licence_reason(photos):
        return licence_reason(photos)
    untagged = sum(1 for c in photos if c.status is None)
    if untagged == len(photos):
        return f"its {len(photos)} photo(s) have no tag from this model yet"
    counts = Counter(c.predicted if c.status == "tagged" else (c.status or "untagged")
                     for c in photos)
    shown = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    return f"no {wanted} among its {len(photos)} photo(s) ({shown})"


def ranked(photos: Iterable[Candidate], eligible, score) -> list[tuple[float, Candidate]]:
    """Eligible photos, best first, one entry per image (ties broken by hash)."""
    best: dict[str, tuple[float, Candidate]] = {}
    for c in photos:
        if eligible(c):
            s = score(c)
            if c.sha256 not in best or s > best[c.sha256][0]:
                best[c.sha256] = (s, c)
    return sorted(best.values(), key=lambda sc: (-sc[0], sc[1].sha256))


# -- choosing -----------------------------------------------------------------
def pick_avoiding(options: list[tuple[float, Candidate]], used: set[str], empty_reason: str,
                  clash_reason: str, describe=cover_reason) -> Choice:
    """The best option whose cluster is not in ``used``; the best one when all are."""
    if not options:
        return Choice(None, None, empty_reason)
    fresh = [(s, c) for s, c in options if c.cluster_id not in used]
    score, chosen = (fresh or options)[0]
    reason = describe(chosen) + ("" if fresh else f"; {clash_reason}")
    return Choice(chosen.sha256, score, reason, chosen.cluster_id)


def choosing_order(route: Route, options: list[tuple[float, Candidate]]) -> tuple:
    """Routes with the fewest distinct clusters choose first: they have least room to move;
    among those, the route with the better best photo."""
    clusters = len({c.cluster_id for _, c in options})
    best = options[0][0] if options else 0.0
    return clusters, -best, route.route_id


def choose_route_covers(routes: list[Route], photos: dict[int, list[Candidate]],
                        safety: CoverSafety = CoverSafety()) -> dict[int, Choice]:
    """A cover per route; siblings (same area) avoid each other's clusters."""
    eligible = partial(is_cover_candidate, safety=safety)
    by_area: dict[int | None, list[Route]] = defaultdict(list)
    for route in routes:
        by_area[route.area_id].append(route)
    chosen: dict[int, Choice] = {}
    for siblings in by_area.values():
        options = {r.route_id: ranked(photos.get(r.route_id, []), eligible, cover_score)
                   for r in siblings}
        order = sorted(siblings, key=lambda r: choosing_order(r, options[r.route_id]))
        used: set[str] = set()
        for route in order:
            # why there is none, only where there is none (the costly part of a big catalog)
            empty = "" if options[route.route_id] else no_candidate_reason(
                photos.get(route.route_id, []), "glory-shot", safety)
            choice = pick_avoiding(
                options[route.route_id], used, empty,
                "shares a near-duplicate cluster with a sibling route's cover "
                "(no other glory-shot)")
            chosen[route.route_id] = choice
            if choice.cluster_id:
                used.add(choice.cluster_id)
    return chosen


def topo_reason(c: Candidate) -> str:
    return f"topo {c.probabilities.get('topo', 0.0):.2f}, {c.width}x{c.height}"


def choose_route_topos(routes: list[Route], photos: dict[int, list[Candidate]],
                       ) -> dict[int, Choice]:
    """The best topo per route (a crag topo may serve several routes)."""
    chosen = {}
    for route in routes:
        options = ranked(photos.get(route.route_id, []), is_topo_candidate, topo_score)
        empty = "" if options else no_candidate_reason(photos.get(route.route_id, []), "topo")
        chosen[route.route_id] = pick_avoiding(options, set(), empty, "", topo_reason)
    return chosen


def ancestors(area: int | None, parents: dict[int, int | None]) -> list[int]:
    """The area and every area above it (those ``parents`` knows; a cycle ends the walk)."""
    found: list[int] = []
    while area is not None and area in parents and area not in found:
        found.append(area)
        area = parents.get(area)
    return found


def area_depths(parents: dict[int, int | None]) -> dict[int, int]:
    def depth(area: int, seen=()) -> int:
        parent = parents.get(area)
        return 0 if parent is None or parent in seen or parent not in parents else \
            1 + depth(parent, seen + (area,))
    return {a: depth(a) for a in parents}


class AreaOptions:
    """Each area's glory-shots over the routes of its subtree, fed a route at a time, so
    that a catalog's candidates never need to be in memory at once.

    An area's cover is its best glory-shot whose cluster none of its own routes' covers
    and sub-areas' covers use; those are at most ``routes + sub-areas`` clusters, so
    the best photo of that many clusters plus one is all an area keeps. A photo seen
    on several routes counts with its best score, the first route in ``routes`` order
    winning a tie, as when all candidates are ranked together."""

    def __init__(self, parents: dict[int, int | None], routes: list[Route],
                 safety: CoverSafety = CoverSafety()):
        self.parents, self.safety = parents, safety
        self.position = {r.route_id: i for i, r in reversed(list(enumerate(routes)))}
        self.own_routes: dict[int, list[Route]] = defaultdict(list)
        self.subtree_size: Counter = Counter()
        for route in routes:
            self.own_routes[route.area_id].append(route)
            self.subtree_size.update(ancestors(route.area_id, parents))
        self.children: dict[int, list[int]] = defaultdict(list)
        for area, parent in parents.items():
            self.children[parent].append(area)
        self.keep = {a: len(self.own_routes[a]) + len(self.children[a]) + 1 for a in parents}
        self.best: dict[int, dict[str, tuple[tuple, Candidate]]] = defaultdict(dict)

    def add(self, route: Route, photos: list[Candidate]) -> None:
        """One route's photos into the options of its area and every area above it."""
        eligible = [(score_key, c) for c in photos
                    if is_cover_candidate(c, self.safety)
                    for score_key in [(-cover_score(c), c.sha256,
                                       self.position[route.route_id])]]
        for area in ancestors(route.area_id, self.parents) if eligible else ():
            best = self.best[area]
            for key, c in eligible:
                if c.cluster_id not in best or key < best[c.cluster_id][0]:
                    best[c.cluster_id] = (key, c)
            if len(best) > 2 * self.keep[area]:
                self.best[area] = dict(sorted(best.items(), key=lambda kv: kv[1][0])
                                       [:self.keep[area]])

    def choose(self, route_covers: dict[int, Choice]) -> dict[int, Choice]:
        """Every area's cover, deepest areas first, avoiding the clusters of its own
        routes' covers and its sub-areas' covers where it can."""
        depths = area_depths(self.parents)
        chosen: dict[int, Choice] = {}
        for area in sorted(self.parents, key=lambda a: (-depths[a], a)):
            options = [(-key[0], c) for key, c in sorted(self.best[area].values(),
                                                         key=lambda kc: kc[0])]
            used = {route_covers[r.route_id].cluster_id for r in self.own_routes[area]
                    if r.route_id in route_covers}
            used |= {chosen[a].cluster_id for a in self.children[area] if a in chosen}
            size = self.subtree_size[area]
            empty = (f"no glory-shot on any of its {size} route(s)" if size
                     else "no routes in this area")
            chosen[area] = pick_avoiding(options, used - {None}, empty,
                                         "shares a cluster with one of its routes' or "
                                         "sub-areas' covers (no other glory-shot)")
        return chosen


def choose_area_covers(parents: dict[int, int | None], routes: list[Route],
                       photos: dict[int, list[Candidate]],
                       route_covers: dict[int, Choice],
                       safety: CoverSafety = CoverSafety()) -> dict[int, Choice]:
    """An area's cover is the best glory-shot of its routes, deepest areas first, avoiding
    the clusters of its own routes' covers and its sub-areas' covers where it can."""
    options = AreaOptions(parents, routes, safety)
    for route in routes:
        options.add(route, photos.get(route.route_id, []))
    return options.choose(route_covers)
