"""The guidebook's content: an area tree (country > region > crag > sector)
and routes with names, grades and types, all drawn from the seed."""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass, field

SCRIPT_NAME = "<script>alert(1)</script>"  # a route name a site let through unescaped


@dataclass(frozen=True)
class SizePlan:
    """How big a generated site is."""

    countries: int
    regions: int  # per country
    crags: int  # per region
    sectors: int  # per crag
    routes: int  # in all
    photos: int  # photo URLs in all, duplicates included


SIZES = {
    "tiny": SizePlan(countries=1, regions=1, crags=2, sectors=2, routes=10, photos=60),
    "small": SizePlan(countries=1, regions=2, crags=3, sectors=3, routes=60, photos=600),
    "large": SizePlan(countries=3, regions=4, crags=5, sectors=6, routes=2000, photos=10000),
}


@dataclass
class Area:
    uuid: str
    name: str
    kind: str  # country, region, crag, sector
    slug: str
    parent: "Area | None"
    lat: float
    lng: float
    children: list["Area"] = field(default_factory=list)
    routes: list["Route"] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/areas/{self.slug}/"

    def ancestors(self) -> list["Area"]:
        """Root first, this area last."""
        chain, area = [], self
        while area is not None:
            chain.append(area)
            area = area.parent
        return chain[::-1]


@dataclass
class Route:
    uuid: str
    name: str
    grade: str
    grade_system: str  # french, yds, font, vscale
    type: str  # sport, trad, boulder, tr
    slug: str
    area: Area
    length: int
    bolts: int
    fa: str
    description: str

    @property
    def path(self) -> str:
        return f"/routes/{self.slug}/"


FIRST = ["Kest", "Rav", "Mor", "Bel", "Tor", "Cal", "Dun", "Ard", "Gle", "Sil", "Fen", "Hol"]
LAST = ["ria", "land", "mark", "via", "onia", "stan", "heim", "dale", "moor", "vale"]
CRAG = ["Ravenstone", "Eagle Buttress", "The Cauldron", "Grey Wall", "Sunset Cliffs", "Hollow Tor",
        "Black Slabs", "Owl Crag", "Red Tower", "Lizard Point", "Fang Rock", "Cathedral"]
SECTOR = ["Main Wall", "The Amphitheatre", "Left Wing", "Right Wing", "Cave", "Upper Tier",
          "Lower Tier", "Pillar", "Slab", "Waterfall Wall", "Prow", "Boulder Field"]
ADJ = ["Crimson", "Silent", "Lost", "Golden", "Crooked", "Wild", "Frozen", "Hidden", "Broken",
       "Electric", "Lazy", "Mad", "Quiet", "Rusty", "Thin", "Velvet"]
NOUN = ["Arete", "Crack", "Slab", "Dihedral", "Roof", "Chimney", "Flake", "Groove", "Pillar",
        "Traverse", "Edge", "Dream", "Rib", "Overhang", "Corner", "Wall"]
CLIMBERS = ["A. Moss", "J. Brown", "L. Hill", "K. Ito", "M. Rossi", "S. Novak", "P. Dubois",
            "T. Berg", "R. Okafor", "C. Silva"]
FRENCH = [f"{n}{l}{p}" for n in (4, 5, 6, 7, 8) for l in "abc" for p in ("", "+")]
YDS = [f"5.{n}" for n in range(5, 10)] + [f"5.{n}{l}" for n in range(10, 14) for l in "abcd"]
FONT = [f"{n}{l}" for n in (4, 5, 6, 7) for l in ("", "+", "A", "B", "C")][:16]
VSCALE = [f"V{n}" for n in range(0, 12)]


def make_uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class _Names:
    """Unique names and slugs across the site."""

    def __init__(self, r: random.Random):
        self.r = r
        self.slugs: set[str] = set()

    def slug(self, name: str) -> str:
        base = slug = slugify(name)
        n = 2
        while slug in self.slugs:
            slug, n = f"{base}-{n}", n + 1
        self.slugs.add(slug)
        return slug


def build_areas(plan: SizePlan, r: random.Random) -> list[Area]:
    """Every area, parents before children."""
    names = _Names(r)
    areas: list[Area] = []

    def add(name: str, kind: str, parent: Area | None, lat: float, lng: float) -> Area:
        area = Area(make_uuid(r), name, kind, names.slug(name), parent, round(lat, 5), round(lng, 5))
        if parent is not None:
            parent.children.append(area)
        areas.append(area)
        return area

    for c in range(plan.countries):
        country = add(r.choice(FIRST) + r.choice(LAST), "country", None,
                      r.uniform(-40, 60), r.uniform(-120, 140))
        for _ in range(plan.regions):
            region = add(f"{r.choice(['Upper', 'Lower', 'North', 'South', 'East', 'West'])} "
                         f"{r.choice(FIRST)}{r.choice(LAST)}", "region", country,
                         country.lat + r.uniform(-3, 3), country.lng + r.uniform(-3, 3))
            for crag_name in r.sample(CRAG, plan.crags):
                crag = add(crag_name, "crag", region,
                           region.lat + r.uniform(-0.5, 0.5), region.lng + r.uniform(-0.5, 0.5))
                for sector_name in r.sample(SECTOR, plan.sectors):
                    add(sector_name, "sector", crag,
                        crag.lat + r.uniform(-0.01, 0.01), crag.lng + r.uniform(-0.01, 0.01))
    return areas


def build_routes(plan: SizePlan, areas: list[Area], r: random.Random) -> list[Route]:
    """Routes spread over the sectors; the second route's name holds markup."""
    names = _Names(r)
    sectors = [a for a in areas if a.kind == "sector"]
    routes = []
    for k in range(plan.routes):
        sector = sectors[k % len(sectors)]
        kind = r.choices(["sport", "trad", "boulder", "tr"], [5, 3, 2, 1])[0]
        system = {"boulder": r.choice(["font", "vscale"])}.get(kind, r.choice(["french", "yds"]))
        grade = r.choice({"french": FRENCH, "yds": YDS, "font": FONT, "vscale": VSCALE}[system])
        name = SCRIPT_NAME if k == 1 else f"{r.choice(ADJ)} {r.choice(NOUN)}"
        route = Route(make_uuid(r), name, grade, system, kind,
                      names.slug("script-route" if k == 1 else name), sector,
                      length=r.randint(4, 12) if kind == "boulder" else r.randint(10, 60),
                      bolts=r.randint(4, 20) if kind == "sport" else 0,
                      fa=f"{r.choice(CLIMBERS)}, {r.randint(1965, 2023)}",
                      description=f"{r.choice(['Sustained', 'Fingery', 'Juggy', 'Technical', 'Powerful'])} "
                                  f"climbing up the {r.choice(NOUN).lower()}.")
        sector.routes.append(route)
        routes.append(route)
    return routes
