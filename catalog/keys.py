"""Which keys a table already holds, looked up through the table's index.

At ten million rows DuckDB (2.0) answers ``INSERT ... ON CONFLICT`` by scanning the
key column: about 0.3 s per statement of 64 rows or more, whatever their number (a
join or ``= ANY(list)`` scans too). A key compared with an ``IN (?, ?, ...)`` list of
parameters is looked up in the index instead: 15 ms for 1,024 keys (bench/RESULTS.md,
fifth session). So a writer that inserts only new keys asks which are held first, then
inserts the others plainly.
"""

from __future__ import annotations

from typing import Any, Iterable

LOOKUP_KEYS = 1024  # parameters per lookup statement


def held_keys(tx, table: str, column: str, keys: Iterable[Any]) -> set:
    """The ``keys`` that ``table.column`` (a single-column primary key or unique column)
    already holds."""
    keys, held = list(keys), set()
    for start in range(0, len(keys), LOOKUP_KEYS):
        chunk = keys[start:start + LOOKUP_KEYS]
        marks = ", ".join("?" * len(chunk))
        held.update(row[0] for row in tx.execute(
            f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", chunk).fetchall())
    return held


def new_rows(tx, table: str, column: str, rows: list[tuple], key: int = 0) -> list[tuple]:
    """``rows`` whose key (at index ``key``) the table does not hold yet, first of each
    key only: what ``INSERT ... ON CONFLICT DO NOTHING`` would insert, found without
    the scan that the conflict clause costs on a big table."""
    first = list({row[key]: row for row in reversed(rows)}.values())[::-1]
    held = held_keys(tx, table, column, [row[key] for row in first])
    return [row for row in first if row[key] not in held]
