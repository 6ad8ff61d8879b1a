"""The site's HTML, in the shapes real guidebooks use (see samplesite.profile
for the structure of each page type).

Pages are written to disk with ``ORIGIN`` where an absolute link needs the
server's address; the server puts its own ``http://127.0.0.1:PORT`` there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from html import escape

from samplesite.guidebook import Area, Route
from samplesite.plan import PRIVATE_PAGE, Shot, Sighting

ORIGIN = "__SAMPLE_SITE_ORIGIN__"
PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
PRIVATE_BAIT = "http://192.168.1.20/admin/photos/"  # never fetched: bait for the address guard
EXTERNAL_LINKS = ["https://www.example.com/guidebooks/", "https://openbeta.example.org/area/1"]
DEAD_PAGE = "/areas/atlantis/"
LOOP_START = "/legacy/loop-a"
STYLE = "body{font-family:sans-serif;max-width:60em;margin:auto}figure.photo{display:inline-block;width:30%}"


@dataclass
class GalleryItem:
    """A photo shown in a gallery, or a bad item linked like one."""

    url: str
    caption: str
    credit: str
    licence: tuple[str, str]
    width: int = 0
    shot: Shot | None = None


def galleries(shots: list[Shot], bad_items: list[dict], first_route: Route,
              page_size: int) -> dict[str, list[list[GalleryItem]]]:
    """Gallery pages per owner page path (route or area); sets each sighting's page."""
    owners: dict[str, list[tuple[GalleryItem, Sighting | None]]] = {}
    for shot in shots:
        for s in shot.sightings:
            if s.page == PRIVATE_PAGE:
                continue
            owner = s.route.path if s.route else s.area.path
            item = GalleryItem(shot.path, s.caption, s.credit, s.licence, shot.file["width"], shot)
            owners.setdefault(owner, []).append((item, s))
    for bad in bad_items:
        item = GalleryItem(bad["path"], "Photo of the crux", "Anonymous", ("All rights reserved", ""))
        owners.setdefault(first_route.path, []).append((item, None))
    pages: dict[str, list[list[GalleryItem]]] = {}
    for owner, items in owners.items():
        chunks = [items[k:k + page_size] for k in range(0, len(items), page_size)]
        pages[owner] = [[item for item, _ in chunk] for chunk in chunks]
        for number, chunk in enumerate(chunks, start=1):
            for _, sighting in chunk:
                if sighting is not None:
                    sighting.page = gallery_page_path(owner, number)
    return pages


def gallery_page_path(owner: str, number: int) -> str:
    return owner if number == 1 else f"{owner}photos/{number}/"


def link(path: str, here: str, r: random.Random) -> str:
    """Root-relative, relative or absolute, as sites mix them."""
    roll = r.random()
    if roll < 0.2:
        return ORIGIN + path
    if roll < 0.4 and here.startswith("/") and path.startswith("/"):
        depth = here.rstrip("/").count("/")
        return "../" * depth + path.lstrip("/")
    return path


def page(title: str, crumbs: list[tuple[str, str]], body: str, r: random.Random, here: str) -> str:
    trail = " &rsaquo; ".join(f'<a href="{link(p, here, r)}">{escape(n)}</a>' for n, p in crumbs)
    return (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>{escape(title)} - Sample Guidebook</title><style>{STYLE}</style></head>\n"
            f"<body><header><a href=/ class=logo>Sample Guidebook</a></header>\n"
            f"<nav class=\"breadcrumb\">{trail}</nav>\n{body}\n"
            f"<footer><p>Photos belong to their authors. "
            f"<a href=\"{EXTERNAL_LINKS[0]}\">More guidebooks</a></p></footer></body></html>\n")


def crumbs_of(area: Area | None) -> list[tuple[str, str]]:
    trail = [("Home", "/")]
    if area is not None:
        trail += [(a.name, a.path) for a in area.ancestors()]
    return trail


def image_tag(item: GalleryItem, here: str, r: random.Random) -> str:
    alt = escape(item.caption, quote=True)
    roll = r.random()
    if item.shot is None or roll < 0.4:
        return f'<img src="{link(item.url, here, r)}" alt="{alt}">'
    if roll < 0.6:
        return f'<img srcset="{item.url} {item.width}w" sizes="(max-width: 900px) 100vw, 900px" alt="{alt}">'
    if roll < 0.85:
        return f'<img class="lazy" src="{PLACEHOLDER}" data-src="{link(item.url, here, r)}" alt="{alt}">'
    return f'<img src="{ORIGIN}{item.url}" alt="{alt}" loading="lazy">'


def gallery_html(items: list[GalleryItem], here: str, next_path: str | None, r: random.Random) -> str:
    figures = []
    for item in items:
        licence, licence_url = item.licence
        licence_html = (f'<a class="licence" rel="license" href="{licence_url}">{escape(licence)}</a>'
                        if licence_url else f'<span class="licence">{escape(licence)}</span>')
        figures.append(f'<figure class="photo">{image_tag(item, here, r)}<figcaption>'
                       f'<span class="caption">{escape(item.caption)}</span> '
                       f'Photo: <span class="credit">{escape(item.credit)}</span> {licence_html}'
                       f'</figcaption></figure>')
    nav = f'<p><a class="next-page" rel="next" href="{link(next_path, here, r)}">More photos</a></p>' \
        if next_path else ""
    return '<div class="gallery">\n' + "\n".join(figures) + f"\n</div>{nav}"


def gallery_pages(owner: str, title_html: str, pages: list[list[GalleryItem]],
                  crumbs: list[tuple[str, str]], r: random.Random) -> dict[str, str]:
    """Gallery pages 2..N of an owner (page 1 is the owner's own page)."""
    out = {}
    for number in range(2, len(pages) + 1):
        here = gallery_page_path(owner, number)
        nxt = gallery_page_path(owner, number + 1) if number < len(pages) else None
        body = f"{title_html}<h2>Photos, page {number}</h2>\n" + gallery_html(pages[number - 1], here, nxt, r)
        out[here] = page(f"Photos page {number}", crumbs, body, r, here)
    return out


def area_page(area: Area, pages: list[list[GalleryItem]], r: random.Random) -> dict[str, str]:
    here = area.path
    body = [f'<h1 class="area-name" data-area-id="{area.uuid}">{escape(area.name)}</h1>']
    if area.children:
        body.append('<ul class="area-list">' + "".join(
            f'<li><a class="area-link" href="{link(c.path, here, r)}">{escape(c.name)}</a></li>'
            for c in area.children) + "</ul>")
    if area.routes:
        rows = "".join(
            f'<tr><td><a class="route-link" href="{link(rt.path, here, r)}">{escape(rt.name)}</a></td>'
            f'<td class="route-grade">{escape(rt.grade)}</td><td class="route-type">{rt.type}</td></tr>'
            for rt in area.routes)
        body.append(f'<table class="routes"><tr><th>Route<th>Grade<th>Type</tr>{rows}</table>')
    if pages:
        nxt = gallery_page_path(here, 2) if len(pages) > 1 else None
        body.append(gallery_html(pages[0], here, nxt, r))
    out = {here: page(area.name, crumbs_of(area.parent), "\n".join(body), r, here)}
    title = f'<h1 class="area-name" data-area-id="{area.uuid}">{escape(area.name)}</h1>'
    out.update(gallery_pages(here, title, pages, crumbs_of(area), r))
    return out


def route_page(route: Route, pages: list[list[GalleryItem]], r: random.Random, malformed: bool) -> dict[str, str]:
    here = route.path
    title = f'<h1 class="route-name" data-route-id="{route.uuid}">{escape(route.name)}</h1>'
    facts = (f'<p><span class="route-grade">{escape(route.grade)}</span> · '
             f'<span class="route-type">{route.type}</span> · {route.length} m · FA {escape(route.fa)}</p>')
    beta = f'<div class="beta"><p>{escape(route.description)}</p></div>'
    if malformed:  # unclosed and mis-nested tags, an unquoted attribute, a stray end tag
        beta = (f'<div class="beta"><p>{escape(route.description)} <b>Crux at the <i>second bolt</b></i>'
                f'<p>Descent: abseil<td>from chains</span><div class=note>Bring a 70 m rope')
    links = (f'<p><a href="/edit/route/{route.slug}">Edit this route</a> · '
             f'<a href="{link(route.area.path, here, r)}">Back to {escape(route.area.name)}</a></p>')
    gallery = ""
    if pages:
        nxt = gallery_page_path(here, 2) if len(pages) > 1 else None
        gallery = gallery_html(pages[0], here, nxt, r)
    body = "\n".join([title, facts, beta, gallery, links])
    out = {here: page(route.name, crumbs_of(route.area), body, r, here)}
    out.update(gallery_pages(here, title, pages, crumbs_of(route.area) + [(route.name, here)], r))
    return out


def home_page(countries: list[Area], routes: list[Route], r: random.Random) -> str:
    areas = "".join(f'<li><a class="area-link" href="{link(c.path, "/", r)}">{escape(c.name)}</a></li>'
                    for c in countries)
    legacy = routes[0]
    body = (f'<h1 class="site-name">Sample Guidebook</h1>\n<ul class="area-list">{areas}</ul>\n'
            f'<h2>Elsewhere</h2><ul>'
            f'<li><a href="{EXTERNAL_LINKS[0]}">Other guidebooks</a></li>'
            f'<li><a href="{EXTERNAL_LINKS[1]}">OpenBeta</a></li>'
            f'<li><a href="{PRIVATE_BAIT}">Club photo archive (members only)</a></li>'
            f'<li><a href="/search?q=slab">Search</a></li>'
            f'<li><a href="{PRIVATE_PAGE}">Drafts</a></li>'
            f'<li><a href="{DEAD_PAGE}">Atlantis (closed)</a></li>'
            f'<li><a href="/legacy/route/{legacy.slug}">Classic of the month</a></li>'
            f'<li><a href="{LOOP_START}">Old forum</a></li></ul>')
    return page("Home", [("Home", "/")], body, r, "/")


def private_page(shots: list[Shot], r: random.Random) -> str:
    items = [GalleryItem(s.path, s.sightings[0].caption, s.sightings[0].credit, s.sightings[0].licence,
                         s.file["width"], s) for s in shots]
    body = '<h1 class="area-name">Drafts</h1>\n' + gallery_html(items, PRIVATE_PAGE, None, r)
    return page("Drafts", [("Home", "/")], body, r, PRIVATE_PAGE)
