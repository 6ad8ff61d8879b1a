"""Real guidebook page structure on loopback: the saved pages of tests/data/guidebooks.

Each site's pages are files named by their URL path (``/area/100/test-gorge`` is
``area/100/test-gorge.html``, a query ``?page=2`` is ``__page=2``); every photo
URL (a path ending in .jpg) is answered with a generated JPEG, one picture per
photo id, drawn at the size the URL asks for (smallMed, large, w400 ...), so a
carousel's large copy and a card's small one are the same photo. ``truth.json``
says what a climber reading each page sees: areas with their breadcrumbs,
routes with grade and type, every photo card with the caption, credit and
licence its pages show. :func:`harvest_figures` scores a crawled catalog
against it.
"""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageDraw
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

GUIDEBOOKS = Path(__file__).parent / "data" / "guidebooks"
SIZES = {"smallMed": (240, 180), "medium": (500, 375), "large": (1024, 768),
         "w400": (400, 300), "w1200": (1200, 900), "topo-w800": (800, 600)}


def truth(site: str) -> dict:
    return json.loads((GUIDEBOOKS / "truth.json").read_text())[site]


def guidebook_app(site: str) -> Starlette:
    root = GUIDEBOOKS / site

    async def page(request):
        path = request.url.path
        if path.endswith(".jpg"):
            return Response(photo_jpeg(path), media_type="image/jpeg")
        query = request.url.query
        file = root / (path.strip("/") + (f"__{query}" if query else "") + ".html")
        if not file.is_file():
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(file.read_bytes(), media_type="text/html; charset=utf-8")

    return Starlette(routes=[Route("/{path:path}", page)])


def photo_id(url: str) -> str | None:
    """The site's photo id in a photo URL (/assets/photos/climb/9101_smallMed_1.jpg,
    /image/3000201/w400.jpg)."""
    match = re.search(r"/(\d{4,})[_/]", urlsplit(url).path)
    return match.group(1) if match else None


def photo_jpeg(path: str) -> bytes:
    """A picture of its own for each photo id (random blocks seeded by the id), at the
    size the URL names."""
    size = next((wh for name, wh in SIZES.items() if f"_{name}_" in path or
                 path.endswith(f"/{name}.jpg")), (320, 240))
    rng = random.Random(photo_id(path) or path)
    picture = Image.new("RGB", (64, 48), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(picture)
    for _ in range(12):
        x, y = rng.randrange(64), rng.randrange(48)
        draw.rectangle([x, y, x + rng.randrange(4, 30), y + rng.randrange(4, 24)],
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    picture.resize(size, Image.Resampling.NEAREST).save(out, "JPEG", quality=90)
    return out.getvalue()


def harvest_figures(catalog, site: str) -> dict:
    """How much of what the pages show the crawl kept, each figure a share of the truth."""
    expected = truth(site)
    sightings = catalog.query("SELECT page_url, image_url, caption, credit, licence "
                              "FROM sightings")
    found: dict[tuple[str, str], list[tuple]] = {}
    for page_url, image_url, caption, credit, licence in sightings:
        key = (urlsplit(page_url).path, photo_id(image_url))
        found.setdefault(key, []).append((caption, credit, licence))
    cards = expected["cards"]
    seen = [found.get((c["page"], c["photo"]), []) for c in cards]

    def share(field: int, name: str) -> tuple[int, int]:
        shown = [(c, s) for c, s in zip(cards, seen) if c[name]]
        right = sum(any(row[field] == c[name] for row in s) for c, s in shown)
        return right, len(shown)

    return {"cards": (sum(bool(s) for s in seen), len(cards)),
            "caption": share(0, "caption"), "credit": share(1, "credit"),
            "licence": share(2, "licence"), **_places(catalog, expected)}


def _places(catalog, expected: dict) -> dict:
    routes = {urlsplit(r[0]).path: r[1:] for r in catalog.query(
        """SELECT r.url, r.external_id, r.name, r.grade_system, r.grade_value, r.route_types,
                  a.url FROM routes r LEFT JOIN areas a ON a.area_id = r.area_id""")}
    areas = {urlsplit(r[0]).path: r[1:] for r in catalog.query(
        """SELECT a.url, a.external_id, a.name, p.url FROM areas a
           LEFT JOIN areas p ON p.area_id = a.parent_id""")}
    want_routes, want_areas = expected["routes"], expected["areas"]
    got = {url: routes.get(url) for url in want_routes}
    return {
        "grade": (sum(bool(g) and [g[2], g[3]] == w["grade"] for url, w in want_routes.items()
                      if (g := got[url])), len(want_routes)),
        "type": (sum(bool(g) and list(g[4] or []) == w["types"]
                     for url, w in want_routes.items() if (g := got[url])), len(want_routes)),
        "route_ids": (sum(bool(g) and g[0] == w["id"] for url, w in want_routes.items()
                          if (g := got[url])), len(want_routes)),
        "route_areas": (sum(bool(g) and _path(g[5]) == w["area"]
                            for url, w in want_routes.items() if (g := got[url])),
                        len(want_routes)),
        "area_ids": (sum(areas.get(url, (None,))[0] == w["id"] for url, w in want_areas.items()),
                     len(want_areas)),
        "area_parents": (sum(url in areas and _path(areas[url][2]) == w["parent"]
                             for url, w in want_areas.items()), len(want_areas)),
        "extra_routes": sorted(set(routes) - set(want_routes)),
        "extra_areas": sorted(set(areas) - set(want_areas)),
    }


def _path(url: str | None) -> str | None:
    return urlsplit(url).path if url else None
