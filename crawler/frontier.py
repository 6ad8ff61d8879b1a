"""The crawl frontier: one `pages` row per page, API call or image URL, with its state.

States: queued -> done | failed (reason) | skipped (reason). Every change is
an idempotent statement inside the caller's transaction, so a crawl killed at
any moment resumes from what was committed and never duplicates a row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FrontierItem:
    """One URL waiting to be fetched (or refreshed)."""

    url: str
    kind: str
    depth: int = 0
    attempts: int = 0
    discovered_from: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None


class Frontier:
    """The frontier rows of one source, written in the caller's transactions."""

    def __init__(self, source_id: int, run_id: int | None = None):
        self.source_id = source_id
        self.run_id = run_id

    def enqueue(self, tx, url: str, kind: str, depth: int = 0,
                discovered_from: str | None = None, context: dict | None = None) -> bool:
        """Queue ``url`` unless it already has a row; True when it is new."""
        return bool(tx.execute(
            """INSERT INTO pages (url, source_id, kind, state, depth, discovered_from, context)
               VALUES (?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING url""",
            [url, self.source_id, kind, depth, discovered_from,
             json.dumps(context) if context else None]).fetchall())

    def skip(self, tx, url: str, kind: str, reason: str, depth: int = 0,
             discovered_from: str | None = None) -> bool:
        """Record ``url`` as skipped (robots, off-site, too-deep, ...); never fetched."""
        inserted = tx.execute(
            """INSERT INTO pages (url, source_id, kind, state, reason, depth, discovered_from)
               VALUES (?, ?, ?, 'skipped', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING url""",
            [url, self.source_id, kind, reason, depth, discovered_from]).fetchall()
        if not inserted:
            tx.execute("UPDATE pages SET state = 'skipped', reason = ? "
                       "WHERE url = ? AND state = 'queued'", [reason, url])
        return bool(inserted)

    def queued(self, con, kind: str | None = None, limit: int = 100,
               exclude: set[str] | frozenset = frozenset()) -> list[FrontierItem]:
        """The next queued rows of this source, shallowest and oldest first."""
        sql = ("SELECT url, kind, depth, attempts, discovered_from, context, etag, "
               "last_modified FROM pages WHERE source_id = ? AND state = 'queued'")
        params: list[Any] = [self.source_id]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        sql += " ORDER BY depth, discovered_at, url LIMIT ?"
        params.append(limit + len(exclude))
        rows = con.execute(sql, params).fetchall()
        items = [FrontierItem(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]) if r[5] else {},
                              r[6], r[7]) for r in rows if r[0] not in exclude]
        return items[:limit]

    def finish(self, tx, url: str, attempts: int = 1, http_status: int | None = None,
               content_type: str | None = None, etag: str | None = None,
               last_modified: str | None = None, sha256: str | None = None) -> None:
        tx.execute(
            """UPDATE pages SET state = 'done', reason = NULL, attempts = attempts + ?,
                   http_status = ?, content_type = ?,
                   etag = coalesce(?, etag), last_modified = coalesce(?, last_modified),
                   sha256 = coalesce(?, sha256), fetched_at = current_timestamp
               WHERE url = ?""",
            [attempts, http_status, content_type, etag, last_modified, sha256, url])

    def fail(self, tx, url: str, reason: str, detail: str | None = None,
             attempts: int = 1, http_status: int | None = None,
             sha256: str | None = None) -> None:
        """Mark ``url`` failed and keep the reason as data (pages and crawl_errors)."""
        tx.execute(
            """UPDATE pages SET state = 'failed', reason = ?, attempts = attempts + ?,
                   http_status = ?, sha256 = coalesce(?, sha256),
                   fetched_at = current_timestamp WHERE url = ?""",
            [reason, attempts, http_status, sha256, url])
        tx.execute("INSERT INTO crawl_errors (url, source_id, run_id, reason, detail) "
                   "VALUES (?, ?, ?, ?, ?)", [url, self.source_id, self.run_id, reason, detail])

    def requeue_stale(self, tx, older_than_seconds: float, kinds=("page", "api")) -> int:
        """Queue again the done rows fetched more than ``older_than_seconds`` ago."""
        placeholders = ", ".join("?" for _ in kinds)
        rows = tx.execute(
            f"""UPDATE pages SET state = 'queued' WHERE source_id = ? AND state = 'done'
                AND kind IN ({placeholders})
                AND fetched_at < current_timestamp - to_seconds(?::DOUBLE)
                RETURNING url""", [self.source_id, *kinds, older_than_seconds]).fetchall()
        return len(rows)

    def counts(self, con) -> dict[str, int]:
        rows = con.execute("SELECT state, count(*) FROM pages WHERE source_id = ? "
                           "GROUP BY state", [self.source_id]).fetchall()
        return {state: n for state, n in rows}
