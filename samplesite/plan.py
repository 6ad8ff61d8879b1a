"""Which photos the site holds, where each is shown, and which are duplicates.

A ``Shot`` is one photo URL. Shots are made in ``Job``s: one job paints one
picture and writes every file derived from it (the original, exact copies
under other URLs, near-duplicate variants, or a topo drawn over it), so the
jobs can run in parallel and each is a pure function of (seed, job key).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from samplesite.encoding import NEAR_KINDS, Encoding, pick_encoding, pick_size
from samplesite.guidebook import SCRIPT_NAME, Area, Route, SizePlan, make_uuid
from samplesite.photos import pick_style

CLASS_WEIGHTS = {"topo": 0.3, "glory": 0.3, "butt": 0.28, "other": 0.12}
LICENCES = [("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
            ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
            ("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
            ("All rights reserved", "")]
PHOTOGRAPHERS = ["Ana Moss", "Jo Brown", "Lee Hill", "Kei Ito", "Marta Rossi", "Sara Novak",
                 "Paul Dubois", "Tove Berg", "Remi Okafor", "Caio Silva", "Nina Kask", "Omar Haddad"]
CAPTIONS = {
    "glory": ["{climber} on {route}", "{climber} sending {route}", "High on {route}",
              "{climber} at the crux of {route}"],
    "butt": ["{climber} clipping the third bolt of {route}", "Belay view of {route}",
             "Looking up at {climber} on {route}", "{climber} on {route}"],
    "topo": ["Topo of {area}", "{route} and its neighbours", "Route lines on {area}", "Topo"],
    "other": ["The approach to {area}", "View from {area}", "Gear for {route}", "{area} from the path"],
}
PRIVATE_PAGE = "/private/drafts/"
# Every site, tiny included, holds at least one file of each awkward kind.
FORCED_ENCODINGS = [Encoding("png"), Encoding("webp"), Encoding("jpeg", "L"), Encoding("jpeg", "CMYK"),
                    Encoding("jpeg", "RGB", 6), Encoding("jpeg", "RGB", 8), Encoding("png", "L")]


@dataclass
class Photographer:
    name: str
    uuid: str


@dataclass
class Sighting:
    """One place a photo is shown: a route's or an area's gallery."""

    route: Route | None
    area: Area | None
    caption: str
    credit: str
    licence: tuple[str, str]
    page: str = ""  # the gallery page path, set when pages are laid out


@dataclass
class Shot:
    """One photo URL and the truth about it."""

    path: str
    cls: str
    style: str
    dup_group: str
    dup_kind: str  # original, exact, reencoded, resized, cropped, watermarked, topo_over_photo
    photographer: Photographer
    base_group: str | None = None
    crawlable: bool = True
    sightings: list[Sighting] = field(default_factory=list)
    file: dict = field(default_factory=dict)  # sha256, width, height, format, ... once written


@dataclass
class Output:
    shot: Shot
    kind: str  # original, exact, a NEAR_KINDS entry, topo_over_photo
    encoding: Encoding | None = None


@dataclass
class Job:
    key: str
    cls: str
    style: str
    size: tuple[int, int]
    encoding: Encoding
    outputs: list[Output]

    def task(self) -> "Task":
        """What a worker process needs, without the guidebook around it."""
        return Task(self.key, self.cls, self.style, self.size, self.encoding,
                    tuple((o.shot.path, o.kind, o.encoding, o.shot.photographer.name)
                          for o in self.outputs))


@dataclass(frozen=True)
class Task:
    """A job as sent to a worker: outputs are (url path, kind, encoding, credit)."""

    key: str
    cls: str
    style: str
    size: tuple[int, int]
    encoding: Encoding
    outputs: tuple[tuple[str, str, Encoding | None, str], ...]


class Planner:
    """Lays out every shot of a site from one random stream."""

    def __init__(self, plan: SizePlan, routes: list[Route], areas: list[Area], r: random.Random):
        self.plan, self.routes, self.r = plan, routes, r
        self.galleries = [a for a in areas if a.kind in ("crag", "sector")]
        self.photographers = [Photographer(n, make_uuid(r)) for n in PHOTOGRAPHERS]
        self.jobs: list[Job] = []
        self.shots: list[Shot] = []
        self.groups = 0

    def new_group(self) -> str:
        self.groups += 1
        return f"g{self.groups:05d}"

    def media_path(self, who: Photographer, enc: Encoding) -> str:
        return f"/media/u/{who.uuid}/{self.r.getrandbits(48):012x}.{enc.format}"

    def sighting(self, cls: str, avoid: Route | None = None) -> Sighting:
        r = self.r
        if r.random() < 0.15:
            area, route = r.choice(self.galleries), None
        else:
            route = r.choice([x for x in self.routes if x is not avoid] or self.routes)
            area = route.area
        text = r.choice(CAPTIONS[cls]).format(
            climber=r.choice(PHOTOGRAPHERS).split()[0], route=route.name if route else "the crag",
            area=area.name)
        who = r.choice(PHOTOGRAPHERS)
        return Sighting(route, area, text, who, r.choice(LICENCES))

    def shot(self, path: str, cls: str, style: str, group: str, kind: str,
             who: Photographer, avoid: Route | None = None) -> Shot:
        shot = Shot(path, cls, style, group, kind, who)
        shot.sightings.append(self.sighting(cls, avoid))
        shot.sightings[0].credit = who.name
        if self.r.random() < 0.06:  # the same URL on a second route's page too
            shot.sightings.append(self.sighting(cls, shot.sightings[0].route))
        self.shots.append(shot)
        return shot

    def add_job(self, cls: str, extras: list[str], enc: Encoding | None = None) -> Job:
        r = self.r
        style = pick_style(cls, r)
        enc = enc or pick_encoding(r)
        who = r.choice(self.photographers)
        group = self.new_group()
        first = self.shot(self.media_path(who, enc), cls, style, group, "original", who)
        job = Job(f"job{len(self.jobs)}", cls, style, pick_size(r), enc, [Output(first, "original", enc)])
        for kind in extras:
            avoid = first.sightings[0].route
            if kind == "exact":
                path = f"/uploads/{r.randint(2012, 2024)}/{r.randint(1, 12):02d}/{r.getrandbits(32):08x}.{enc.format}"
                job.outputs.append(Output(self.shot(path, cls, style, group, "exact", who, avoid), "exact"))
            else:
                path = self.media_path(who, Encoding())
                job.outputs.append(Output(self.shot(path, cls, style, group, kind, who, avoid), kind))
        self.jobs.append(job)
        return job

    def add_overlay_job(self) -> None:
        """A plain crag photo, and a topo drawn over it: two different images."""
        job = self.add_job("other", [])
        job.style = job.outputs[0].shot.style = "crag"
        plain = job.outputs[0].shot
        group = self.new_group()
        topo = self.shot(self.media_path(plain.photographer, Encoding()), "topo", "over_photo", group,
                         "topo_over_photo", plain.photographer, plain.sightings[0].route)
        topo.base_group = plain.dup_group
        job.outputs.append(Output(topo, "topo_over_photo", Encoding(quality=90)))

    def add_private_job(self) -> None:
        """A photo only on a page robots.txt forbids: a polite crawler never sees it."""
        job = self.add_job(self.r.choice(["glory", "butt"]), [])
        shot = job.outputs[0].shot
        shot.path = "/private" + shot.path
        shot.crawlable = False
        shot.sightings = [Sighting(None, None, "Draft: not yet published", shot.photographer.name,
                                   LICENCES[-1], PRIVATE_PAGE)]

    def lay_out(self) -> None:
        n = self.plan.photos
        r = self.r
        exact_jobs = max(2, round(n * 0.03))
        near_groups = max(1, round(n * 0.015))
        overlays = max(1, round(n * 0.008))
        self.add_job("glory", list(NEAR_KINDS) + ["exact"])  # every kind at least once
        for _ in range(near_groups - 1):
            self.add_job(self.pick_class(), r.sample(NEAR_KINDS, r.randint(1, 3)))
        for _ in range(overlays):
            self.add_overlay_job()
        for _ in range(exact_jobs):
            self.add_job(self.pick_class(), ["exact"] * r.choice([1, 1, 2]))
        for _ in range(2):
            self.add_private_job()
        for enc in FORCED_ENCODINGS:
            self.add_job(self.pick_class(), [], enc)
        while len(self.shots) < n:
            self.add_job(self.pick_class(), [])
        self.shots[-1].sightings[0].caption = SCRIPT_NAME  # markup in a caption

    def pick_class(self) -> str:
        return self.r.choices(list(CLASS_WEIGHTS), list(CLASS_WEIGHTS.values()))[0]
