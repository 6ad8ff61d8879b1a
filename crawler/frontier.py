"""The crawl frontier: one `pages` row per page, API call or image URL, with its state.

States: queued -> done | failed (reason) | skipped (reason). Every change is
an idempotent statement inside the caller's transaction, so a crawl killed at
any moment resumes from what was committed and never duplicates a row.
Changes come in batches (one set-based statement for many rows): DuckDB
handles one statement of a thousand rows faster than ten single-row ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Sequence

from catalog.keys import new_rows


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


@dataclass(frozen=True)
class Finished:
    """How a fetched URL ended, for :meth:`Frontier.finish_many`."""

    url: str
    attempts: int = 1
    http_status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


def _columns(rows: Sequence[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows)]


class Frontier:
    """The frontier rows of one source, written in the caller's transactions."""

    def __init__(self, source_id: int, run_id: int | None = None):
        self.source_id = source_id
        self.run_id = run_id

    def enqueue(self, tx, url: str, kind: str, depth: int = 0,
                discovered_from: str | None = None, context: dict | None = None) -> bool:
        """Queue ``url`` unless it already has a row; True when it is new."""
        return bool(self.enqueue_many(tx, [(url, kind, depth, discovered_from, context)]))

    def enqueue_many(self, tx, rows: Sequence[tuple]) -> set[str]:
        """Queue (url, kind, depth, discovered_from, context) rows; return the new URLs."""
        if not rows:
            return set()
        rows = new_rows(tx, "pages", "url", list(rows))
        if not rows:
            return set()
        urls, kinds, depths, sources, contexts = _columns(rows)
        contexts = [json.dumps(c) if c else None for c in contexts]
        inserted = tx.execute(
            """INSERT INTO pages (url, source_id, kind, state, depth, discovered_from, context)
               SELECT url, ?, kind, 'queued', depth, discovered_from, context::JSON FROM
                 (SELECT unnest(?) AS url, unnest(?) AS kind, unnest(?::INTEGER[]) AS depth,
                         unnest(?::VARCHAR[]) AS discovered_from,
                         unnest(?::VARCHAR[]) AS context)
               RETURNING url""",
            [self.source_id, urls, kinds, depths, sources, contexts]).fetchall()
        return {row[0] for row in inserted}

    def skip(self, tx, url: str, kind: str, reason: str, depth: int = 0,
             discovered_from: str | None = None) -> bool:
        """Record a URL we will not fetch (off-site, out-of-scope, too-deep) unless it
        already has a row (it may be queued legitimately from elsewhere)."""
        return bool(self.skip_many(tx, [(url, kind, reason, depth, discovered_from)]))

    def skip_many(self, tx, rows: Sequence[tuple]) -> set[str]:
        """(url, kind, reason, depth, discovered_from) rows; return the URLs recorded."""
        if not rows:
            return set()
        rows = new_rows(tx, "pages", "url", list(rows))
        if not rows:
            return set()
        urls, kinds, reasons, depths, sources = _columns(rows)
        inserted = tx.execute(
            """INSERT INTO pages (url, source_id, kind, state, reason, depth, discovered_from)
               SELECT url, ?, kind, 'skipped', reason, depth, discovered_from FROM
                 (SELECT unnest(?) AS url, unnest(?) AS kind, unnest(?) AS reason,
                         unnest(?::INTEGER[]) AS depth, unnest(?::VARCHAR[]) AS discovered_from)
               RETURNING url""",
            [self.source_id, urls, kinds, reasons, depths, sources]).fetchall()
        return {row[0] for row in inserted}

    def mark_skipped(self, tx, url: str, reason: str, attempts: int = 0) -> None:
        """A queued URL turned out not to be fetchable by choice (robots.txt)."""
        tx.execute("UPDATE pages SET state = 'skipped', reason = ?, attempts = attempts + ? "
                   "WHERE url = ?", [reason, attempts, url])

    def queued(self, con, kind: str | tuple[str, ...] | None = None, limit: int = 100,
               exclude: set[str] | frozenset = frozenset()) -> list[FrontierItem]:
        """The next queued rows of this source, shallowest and oldest first."""
        sql = ("SELECT url, kind, depth, attempts, discovered_from, context, etag, "
               "last_modified FROM pages WHERE source_id = ? AND state = 'queued'")
        params: list[Any] = [self.source_id]
        if kind:
            kinds = (kind,) if isinstance(kind, str) else tuple(kind)
            sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            params += kinds
        sql += " ORDER BY depth, discovered_at, url LIMIT ?"
        params.append(limit + len(exclude))
        rows = con.execute(sql, params).fetchall()
        items = [FrontierItem(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]) if r[5] else {},
                              r[6], r[7]) for r in rows if r[0] not in exclude]
        return items[:limit]

    def finish(self, tx, url: str, attempts: int = 1, http_status: int | None = None,
               content_type: str | None = None, etag: str | None = None,
               last_modified: str | None = None, sha256: str | None = None) -> None:
        self.finish_many(tx, [Finished(url, attempts, http_status, content_type, etag,
                                       last_modified, sha256)])

    def finish_many(self, tx, rows: Sequence[Finished]) -> None:
        if not rows:
            return
        tx.execute(
            """UPDATE pages SET state = 'done', reason = NULL,
                   attempts = pages.attempts + v.attempts, http_status = v.http_status,
                   content_type = v.content_type, etag = coalesce(v.etag, pages.etag),
                   last_modified = coalesce(v.last_modified, pages.last_modified),
                   sha256 = coalesce(v.sha256, pages.sha256), fetched_at = current_timestamp
               FROM (SELECT unnest(?) AS url, unnest(?::INTEGER[]) AS attempts,
                            unnest(?::INTEGER[]) AS http_status,
                            unnest(?::VARCHAR[]) AS content_type, unnest(?::VARCHAR[]) AS etag,
                            unnest(?::VARCHAR[]) AS last_modified,
                            unnest(?::VARCHAR[]) AS sha256) v
               WHERE pages.url = v.url""",
            _columns([(r.url, r.attempts, r.http_status, r.content_type, r.etag,
                       r.last_modified, r.sha256) for r in rows]))

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

    def count_queued(self, con) -> int:
        return con.execute("SELECT count(*) FROM pages WHERE source_id = ? AND "
                           "state = 'queued'", [self.source_id]).fetchone()[0]

    def skip_excluded(self, tx) -> int:
        """Skip (reason 'excluded') the queued image URLs of photos a person excluded,
        so a resumed or refreshed crawl never fetches them again."""
        rows = tx.execute(
            """UPDATE pages SET state = 'skipped', reason = 'excluded'
               WHERE kind = 'image' AND state = 'queued'
                 AND (sha256 IN (SELECT sha256 FROM excluded_photos)
                      OR url IN (SELECT s.image_url FROM sightings s
                                 JOIN excluded_photos e USING (sha256)))
               RETURNING url""").fetchall()
        return len(rows)

    def counts(self, con) -> dict[str, int]:
        rows = con.execute("SELECT state, count(*) FROM pages WHERE source_id = ? "
                           "GROUP BY state", [self.source_id]).fetchall()
        return {state: n for state, n in rows}
