"""Catalog rows for where photos come from: sources, areas and routes.

Every write is an idempotent upsert keyed by the source's own identifiers, so
a resumed crawl finds the same ids and never duplicates a row.
"""

from __future__ import annotations


def ensure_source(tx, kind: str, name: str, base_url: str | None = None) -> int:
    row = tx.execute(
        """INSERT INTO sources (kind, name, base_url) VALUES (?, ?, ?)
           ON CONFLICT (kind, name) DO UPDATE SET base_url = excluded.base_url
           RETURNING source_id""", [kind, name, base_url]).fetchone()
    return int(row[0])


def ensure_area(tx, source_id: int, external_id: str, name: str,
                parent_id: int | None = None, path: str | None = None,
                url: str | None = None, parent_url: str | None = None) -> int:
    """The area's id; what was first recorded of its place (url, parent, path) is kept,
    because later gallery pages of an area describe their own place, not the area's."""
    row = tx.execute(
        """INSERT INTO areas (source_id, external_id, name, parent_id, path, url, parent_url)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (source_id, external_id) DO UPDATE SET
               name = excluded.name,
               parent_id = coalesce(areas.parent_id, excluded.parent_id),
               path = coalesce(areas.path, excluded.path),
               url = coalesce(areas.url, excluded.url),
               parent_url = coalesce(areas.parent_url, excluded.parent_url)
           RETURNING area_id""",
        [source_id, external_id, name, parent_id, path, url, parent_url]).fetchone()
    return int(row[0])


def ensure_route(tx, source_id: int, external_id: str, name: str,
                 area_id: int | None = None, grade: str | None = None,
                 route_type: str | None = None, url: str | None = None,
                 area_url: str | None = None, grade_system: str | None = None,
                 grade_value: str | None = None, route_types: list[str] | None = None) -> int:
    """The route's id; ``grade`` and ``route_type`` are the page's text, ``grade_system``,
    ``grade_value`` and ``route_types`` what they mean (crawler.grades)."""
    row = tx.execute(
        """INSERT INTO routes (source_id, external_id, area_id, name, grade, route_type, url,
                               area_url, grade_system, grade_value, route_types)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (source_id, external_id) DO UPDATE SET
               name = excluded.name,
               area_id = coalesce(routes.area_id, excluded.area_id),
               grade = coalesce(routes.grade, excluded.grade),
               route_type = coalesce(routes.route_type, excluded.route_type),
               url = coalesce(routes.url, excluded.url),
               area_url = coalesce(routes.area_url, excluded.area_url),
               grade_system = coalesce(routes.grade_system, excluded.grade_system),
               grade_value = coalesce(routes.grade_value, excluded.grade_value),
               route_types = coalesce(routes.route_types, excluded.route_types)
           RETURNING route_id""",
        [source_id, external_id, area_id, name, grade, route_type, url, area_url,
         grade_system, grade_value, route_types or None]).fetchone()
    return int(row[0])


def link_places(tx, source_id: int) -> None:
    """Turn the parent URLs pages gave into ids, now that those pages have been read."""
    tx.execute("""UPDATE areas SET parent_id = p.area_id FROM areas p
                  WHERE areas.source_id = ? AND p.source_id = areas.source_id
                    AND areas.parent_id IS NULL AND p.url = areas.parent_url
                    AND p.area_id <> areas.area_id""", [source_id])
    tx.execute("""UPDATE routes SET area_id = a.area_id FROM areas a
                  WHERE routes.source_id = ? AND a.source_id = routes.source_id
                    AND routes.area_id IS NULL AND a.url = routes.area_url""", [source_id])
