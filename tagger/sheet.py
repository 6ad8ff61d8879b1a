"""The contact sheet: one HTML page per area with every route's cover, topos and
other photos as thumbnails, plus an index page.

Everything that came from a crawled site (names, captions, credits, URLs) is
escaped; a link is only made for http(s) URLs. Thumbnails are copies of the
model-ready derivatives, so the folder can be opened or shared on its own.
"""

from __future__ import annotations

import html
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from cragcat.console import printable
from cragcat.errors import UsageError

STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { margin-bottom: 0; } .path { color: #777; margin-top: 0; }
.route { border-top: 1px solid #ddd; padding: 1em 0; }
.row { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
figure { margin: 0; width: 180px; font-size: 12px; }
figure img { width: 180px; height: 120px; object-fit: cover; border-radius: 4px; }
figure.cover, figure.cover img { width: 360px; } figure.cover img { height: 240px; }
.missing { width: 180px; height: 120px; background: #eee; display: flex;
           align-items: center; justify-content: center; color: #999; }
.class { font-weight: bold; } .glory { color: #1a7f37; } .butt { color: #b35900; }
.topo { color: #0550ae; } .other { color: #6e7781; } .failed { color: #cf222e; }
.reason { color: #666; font-size: 13px; } table { border-collapse: collapse; }
td, th { padding: 4px 10px; border-bottom: 1px solid #eee; text-align: left; }
"""


@dataclass
class SheetPhoto:
    sha256: str
    predicted: str | None
    confidence: float | None
    status: str
    derivative_path: str
    caption: str | None
    credit: str | None
    licence: str | None = None


@dataclass
class SheetSummary:
    index: Path
    pages: int
    routes: int
    photos: int


def e(text) -> str:
    """Escape crawled text for HTML (quotes too: it may land in an attribute)."""
    # control and bidi override characters are dropped: a credit cannot reorder the page
    return html.escape("" if text is None else printable(str(text)), quote=True)


def safe_link(url: str | None, text: str) -> str:
    if url and url.lower().startswith(("http://", "https://")):
        return f'<a href="{e(url)}" rel="noopener nofollow">{e(text)}</a>'
    return e(text)


def current_model(catalog) -> str:
    model = catalog.scalar("SELECT model_id FROM current_model")
    if model is None:
        raise UsageError("the catalog has no tags yet: run tag-catalog first")
    return model


def chosen_areas(catalog, area: str | None) -> list[tuple]:
    rows = catalog.query("SELECT area_id, name, path, url FROM areas ORDER BY path, name")
    if area is None:
        return rows
    picked = [r for r in rows if r[1].lower() == area.lower()]
    if not picked:
        known = ", ".join(sorted({r[1] for r in rows})[:10])
        raise UsageError(f"--area {area}: no area of that name (some there are: {known})")
    return picked


def route_photos(catalog, area_id: int) -> dict[int, list[SheetPhoto]]:
    rows = catalog.query(
        """SELECT s.route_id, p.sha256, p.predicted_class, p.confidence, p.status,
                  p.derivative_path, any_value(s.caption), any_value(s.credit),
                  any_value(s.licence)
           FROM sightings s JOIN routes r ON r.route_id = s.route_id
           JOIN photo_tags p ON p.sha256 = s.sha256
           WHERE r.area_id = ? AND s.sha256 NOT IN (SELECT sha256 FROM excluded_photos)
           GROUP BY ALL
           ORDER BY p.predicted_class, p.confidence DESC, p.sha256""", [area_id])
    photos: dict[int, list[SheetPhoto]] = defaultdict(list)
    for route_id, *fields in rows:
        photos[route_id].append(SheetPhoto(*fields))
    return photos


class ThumbnailCopier:
    """Copies derivatives into ``out/thumbs`` once each; returns the relative src."""

    def __init__(self, store_dir: Path, out_dir: Path):
        self.store_dir, self.folder = Path(store_dir), out_dir / "thumbs"
        self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, photo: SheetPhoto) -> str | None:
        source = self.store_dir / photo.derivative_path
        target = self.folder / f"{photo.sha256}.jpg"
        if not target.exists():
            if not source.is_file():
                return None
            shutil.copyfile(source, target)
        return f"thumbs/{target.name}"


def figure(photo: SheetPhoto, thumb: ThumbnailCopier, css: str = "") -> str:
    src = thumb(photo)
    image = (f'<img src="{e(src)}" alt="{e(photo.caption or photo.sha256[:12])}" loading="lazy">'
             if src else '<div class="missing">no image</div>')
    label = photo.predicted or photo.status
    confidence = f" {photo.confidence:.2f}" if photo.confidence is not None else ""
    # <bdi>: a right-to-left caption or credit shows in its own direction, not the page's
    caption = f"<br><bdi>{e(photo.caption)}</bdi>" if photo.caption else ""
    # Licence and credit beside every photo: a person choosing a cover sees what it may be used for.
    rights = " · ".join(f"<bdi>{e(part)}</bdi>" for part in (photo.credit, photo.licence) if part)
    credit = f"<br><i>{rights}</i>" if rights else ""
    return (f'<figure class="{e(css)}">{image}<figcaption><span class="class {e(label)}">'
            f"{e(label)}{confidence}</span>{caption}{credit}</figcaption></figure>")


def route_section(route: tuple, photos: list[SheetPhoto], covers: dict, thumb) -> str:
    route_id, name, grade, url = route
    cover_sha, cover_reason = covers.get((route_id, "cover"), (None, "covers not chosen yet"))
    topo_sha, _ = covers.get((route_id, "topo"), (None, ""))
    by_sha = {p.sha256: p for p in photos}
    parts = [f'<section class="route"><h2>{safe_link(url, name)} '
             f'<small>{e(grade or "")}</small></h2>']
    if cover_sha in by_sha:
        parts.append(f'<div class="row">{figure(by_sha[cover_sha], thumb, "cover")}</div>'
                     f'<p class="reason">cover: {e(cover_reason)}</p>')
    else:
        parts.append(f'<p class="reason">no cover: {e(cover_reason)}</p>')
    topos = sorted((p for p in photos if p.predicted == "topo" or p.sha256 == topo_sha),
                   key=lambda p: (p.sha256 != topo_sha, -(p.confidence or 0)))
    others = [p for p in photos if p not in topos and p.sha256 != cover_sha]
    for title, group in (("topos", topos), ("other photos", others)):
        if group:
            parts.append(f"<h3>{title} ({len(group)})</h3><div class=\"row\">"
                         + "".join(figure(p, thumb) for p in group) + "</div>")
    return "".join(parts) + "</section>"


def page(title: str, subtitle: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{e(title)}</title><style>{STYLE}</style></head><body>"
            f'<p><a href="index.html">all areas</a></p><h1>{e(title)}</h1>'
            f'<p class="path">{e(subtitle)}</p>{body}</body></html>\n')


def sub_area_links(catalog, area_id: int, written: set[int]) -> str:
    children = catalog.query("SELECT area_id, name FROM areas WHERE parent_id = ? "
                             "ORDER BY name", [area_id])
    links = [f'<a href="area-{child}.html">{e(name)}</a>' if child in written else e(name)
             for child, name in children]
    return f"<p>Sub-areas: {' · '.join(links)}</p>" if links else ""


def chosen_covers(catalog, area_id: int) -> dict[tuple[int, str], tuple[str | None, str]]:
    """(route, kind) -> (photo, reason) as route_cards shows them: a person's pin or
    reject wins over the model's suggestion, and excluded photos are gone."""
    covers = {}
    for route_id, cover, reason, topo, topo_reason in catalog.query(
            "SELECT c.route_id, cover_sha256, cover_reason, topo_sha256, topo_reason "
            "FROM route_cards c JOIN routes r USING (route_id) WHERE r.area_id = ?", [area_id]):
        covers[(route_id, "cover")] = (cover, reason)
        covers[(route_id, "topo")] = (topo, topo_reason)
    return covers


def area_page(catalog, area: tuple, model_id: str, thumb, written: set[int],
              ) -> tuple[str, int, int]:
    """An area's HTML, its number of routes and of photos."""
    area_id, name, path, url = area
    routes = catalog.query("SELECT route_id, name, grade, url FROM routes WHERE area_id = ? "
                           "ORDER BY name, route_id", [area_id])
    covers = chosen_covers(catalog, area_id)
    photos = route_photos(catalog, area_id)
    sections = [route_section(route, photos.get(route[0], []), covers, thumb) for route in routes]
    source = f"<p>{safe_link(url, 'this area on its site')}</p>" if url else ""
    body = (source + area_cover(catalog, area_id, model_id, thumb)
            + sub_area_links(catalog, area_id, written)
            + ("".join(sections) or "<p>No routes directly in this area.</p>"))
    return (page(name, path or "", body), len(routes),
            sum(len(photos.get(r[0], [])) for r in routes))


def area_cover(catalog, area_id: int, model_id: str, thumb) -> str:
    row = catalog.query_one(
        """SELECT p.sha256, p.predicted_class, p.confidence, p.status, p.derivative_path,
                  NULL, s.credit, s.licence, c.reason
           FROM area_covers c LEFT JOIN photo_tags p ON p.sha256 = c.sha256
           LEFT JOIN (SELECT sha256, any_value(credit) AS credit, any_value(licence) AS licence
                      FROM sightings GROUP BY sha256) s ON s.sha256 = c.sha256
           WHERE c.area_id = ? AND c.model_id = ?
             AND c.sha256 NOT IN (SELECT sha256 FROM excluded_photos)""", [area_id, model_id])
    if row is None:
        return ""
    if row[0] is None:
        return f'<p class="reason">no area cover: {e(row[8])}</p>'
    return (f'<div class="row">{figure(SheetPhoto(*row[:8]), thumb, "cover")}</div>'
            f'<p class="reason">area cover: {e(row[8])}</p>')


def index_page(rows: list[tuple[str, str, int, int]], model_id: str) -> str:
    lines = "".join(f'<tr><td><a href="{e(href)}">{e(name)}</a></td><td>{routes}</td>'
                    f"<td>{photos}</td></tr>" for href, name, routes, photos in rows)
    body = ("<table><tr><th>area</th><th>routes</th><th>photos</th></tr>"
            f"{lines}</table>")
    return page("cragcat contact sheet", f"model {model_id[:12]}", body)


def write_contact_sheet(catalog, out_dir: str | Path, area: str | None = None) -> SheetSummary:
    """Write ``out_dir/index.html`` and one ``area-ID.html`` per area."""
    out_dir = Path(out_dir)
    model_id = current_model(catalog)
    areas = chosen_areas(catalog, area)
    out_dir.mkdir(parents=True, exist_ok=True)
    thumb = ThumbnailCopier(catalog.store_dir, out_dir)
    index_rows, total_routes, total_photos = [], 0, 0
    written = {row[0] for row in areas}
    for row in areas:
        html_text, routes, photos = area_page(catalog, row, model_id, thumb, written)
        href = f"area-{row[0]}.html"
        (out_dir / href).write_text(html_text, encoding="utf-8")
        index_rows.append((href, row[2] or row[1], routes, photos))
        total_routes, total_photos = total_routes + routes, total_photos + photos
    index = out_dir / "index.html"
    index.write_text(index_page(index_rows, model_id), encoding="utf-8")
    return SheetSummary(index, len(areas), total_routes, total_photos)
