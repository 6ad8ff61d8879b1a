"""A person's exclusions: the one writer of the ``exclusions`` table.

Excluding a photo takes it (and its near-duplicates, through the
``excluded_photos`` view) out of covers, contact sheets and exports. Rows are
only ever added: restoring is a new row, so the record of who excluded what,
when and why is never lost.
"""

from __future__ import annotations

from typing import Iterable

from catalog.connection import Catalog
from cragcat.errors import UsageError


def exclude_photos(catalog: Catalog, sha256s: Iterable[str], reason: str,
                   reviewer: str | None = None) -> int:
    """Exclude each photo, with the reason; returns how many rows were written."""
    if not reason or not reason.strip():
        raise UsageError("an exclusion needs a reason (takedown, licence, private person, ...)")
    return _record(catalog, sha256s, "exclude", reason.strip(), reviewer)


def restore_photos(catalog: Catalog, sha256s: Iterable[str],
                   reviewer: str | None = None, reason: str | None = None) -> int:
    """Undo an exclusion by recording a restore; the exclusion row stays."""
    return _record(catalog, sha256s, "restore", reason, reviewer)


def _record(catalog: Catalog, sha256s: Iterable[str], action: str,
            reason: str | None, reviewer: str | None) -> int:
    rows = [(sha, action, reason, reviewer) for sha in dict.fromkeys(sha256s)]
    if rows:
        with catalog.transaction() as tx:
            tx.executemany("INSERT INTO exclusions (sha256, action, reason, reviewer) "
                           "VALUES (?, ?, ?, ?)", rows)
    return len(rows)


def excluded_sha256s(catalog: Catalog) -> set[str]:
    """Every photo excluded now, near-duplicates of an excluded photo included."""
    return {row[0] for row in catalog.query("SELECT sha256 FROM excluded_photos")}
