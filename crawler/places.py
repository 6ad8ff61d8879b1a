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
                url: str | None = None) -> int:
    row = tx.execute(
        """INSERT INTO areas (source_id, external_id, name, parent_id, path, url)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (source_id, external_id) DO UPDATE SET
               name = excluded.name,
               parent_id = coalesce(excluded.parent_id, areas.parent_id),
               path = coalesce(excluded.path, areas.path),
               url = coalesce(excluded.url, areas.url)
           RETURNING area_id""", [source_id, external_id, name, parent_id, path, url]).fetchone()
    return int(row[0])


def ensure_route(tx, source_id: int, external_id: str, name: str,
                 area_id: int | None = None, grade: str | None = None,
                 route_type: str | None = None, url: str | None = None) -> int:
    row = tx.execute(
        """INSERT INTO routes (source_id, external_id, area_id, name, grade, route_type, url)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (source_id, external_id) DO UPDATE SET
               name = excluded.name,
               area_id = coalesce(excluded.area_id, routes.area_id),
               grade = coalesce(excluded.grade, routes.grade),
               route_type = coalesce(excluded.route_type, routes.route_type),
               url = coalesce(excluded.url, routes.url)
           RETURNING route_id""",
        [source_id, external_id, area_id, name, grade, route_type, url]).fetchone()
    return int(row[0])
