"""Query results to Parquet, CSV or JSON files through DuckDB's own ``COPY``.

The query runs on the caller's (read-only) catalog connection and hands its
result over as an Arrow table to a private in-memory DuckDB, which writes the
file: the catalog connection never gets the right to touch files, and the
column types survive (a MAP stays a MAP in Parquet and an object in JSON).
CSV has no nested types: maps, lists and structs become JSON text there, and
text cells go through :func:`catalog.csvsafe.neutralise`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from catalog.csvsafe import neutralise
from cragcat.errors import UsageError

FORMATS = ("parquet", "csv", "json")
_NESTED = ("MAP(", "STRUCT(", "[]", "UNION(")
_COPY_OPTIONS = {"parquet": "FORMAT parquet, COMPRESSION zstd",
                 "csv": "FORMAT csv, HEADER true",
                 "json": "FORMAT json, ARRAY true"}


def format_of(out: Path, fmt: str | None) -> str:
    """The chosen format, else the one the file name ends in."""
    chosen = fmt or out.suffix.lstrip(".").lower()
    if chosen not in FORMATS:
        raise UsageError(f"cannot tell the format of {out}: pass --format "
                         + "|".join(FORMATS) + " or end the name in ." + "/.".join(FORMATS))
    return chosen


def write_query(con, sql: str, params: list | None, fmt: str, out: Path) -> int:
    """Run ``sql`` on ``con`` and write its rows to ``out``; returns the row count."""
    relation = con.sql(sql, params=params or None)
    if relation is None:
        raise UsageError("only a query that returns rows can be written to a file")
    json_columns = {n for n, t in zip(relation.columns, relation.types) if str(t) == "JSON"}
    return write_table(relation.to_arrow_table(), fmt, out, json_columns)


def write_table(table, fmt: str, out: Path, json_columns: set[str] = frozenset()) -> int:
    """Write an Arrow table as ``fmt`` to ``out`` (folders made as needed); the
    ``json_columns`` (JSON text in Arrow) are written as JSON, not as strings."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = duckdb.connect()
    try:
        writer.register("result", table)
        select = _csv_select(writer) if fmt == "csv" else _typed_select(json_columns)
        target = str(out).replace("'", "''")
        writer.execute(f"COPY ({select}) TO '{target}' ({_COPY_OPTIONS[fmt]})")
    except duckdb.IOException as exc:
        raise UsageError(f"cannot write {out}: {str(exc).splitlines()[0]}") from None
    finally:
        writer.close()
    return table.num_rows


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _typed_select(json_columns: set[str]) -> str:
    if not json_columns:
        return "SELECT * FROM result"
    casts = ", ".join(f"{_quoted(c)}::JSON AS {_quoted(c)}" for c in sorted(json_columns))
    return f"SELECT * REPLACE ({casts}) FROM result"


def _csv_select(writer) -> str:
    """Nested columns as JSON text, text columns neutralised, the rest as they are."""
    writer.create_function("neutralise", neutralise, ["VARCHAR"], "VARCHAR")
    parts = []
    for name, type_name, *_ in writer.execute("DESCRIBE result").fetchall():
        column = _quoted(name)
        if any(mark in type_name for mark in _NESTED):
            parts.append(f"to_json({column})::VARCHAR AS {column}")
        elif type_name == "VARCHAR":
            parts.append(f"neutralise({column}) AS {column}")
        else:
            parts.append(column)
    return "SELECT " + ", ".join(parts) + " FROM result"
