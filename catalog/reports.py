"""Named reports: each is a SQL view in the catalog, defined in catalog/views/NAME.sql.

A view file starts with comment lines that describe it::

    -- A one-line description shown by `report --list`.
    -- rows: one            (optional: the report is a single row; JSON gives an object)
    -- order: margin, sha256  (optional: the order `report NAME` shows its rows in)
    -- kept: yes            (optional: `report --keep` keeps its rows as a table, catalog.kept)

A view over every photo leaves its order to the report (``-- order:``): a
query that filters it or takes a few rows then never sorts ten million rows.

Views are (re)created every time the catalog is opened for writing, so a new
or changed report reaches old catalogs without a migration. A view may select
from another view (``photo_tags`` is the base of several reports): views are
created in dependency order, found from the report names each one mentions.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
import hashlib
from functools import cache
from importlib import resources

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Report:
    name: str
    description: str
    sql: str
    single_row: bool = False
    order: str = ""
    kept: bool = False


def available_reports() -> dict[str, Report]:
    reports = {}
    for entry in sorted(resources.files("catalog.views").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        name = entry.name[:-4]
        if not _NAME.match(name):
            raise RuntimeError(f"report view file {entry.name} has a bad name")
        reports[name] = parse_report(name, entry.read_text(encoding="utf-8"))
    return reports


def parse_report(name: str, text: str) -> Report:
    header = [line[2:].strip() for line in text.splitlines() if line.startswith("--")]
    description = header[0] if header else name
    single = any(line.lower() == "rows: one" for line in header)
    order = next((line[len("order:"):].strip() for line in header
                  if line.lower().startswith("order:")), "")
    kept = any(line.lower() == "kept: yes" for line in header)
    return Report(name, description, text, single, order, kept)


def report_query(report: Report, limit: int | None = None, kept: str | None = None) -> str:
    """The query `report NAME [--limit N]` runs: the view in its report order, the limit
    in the SQL so that DuckDB keeps the first N rows instead of sorting them all.
    ``kept`` names the report's current kept table (catalog.kept), already in order."""
    sql = f"SELECT * FROM {kept or report.name}"
    if report.order and not kept:
        sql += f" ORDER BY {report.order}"
    return sql + (f" LIMIT {int(limit)}" if limit else "")


def in_dependency_order(reports: dict[str, Report]) -> list[Report]:
    """Reports ordered so that every view comes after the views it mentions."""
    code = {name: re.sub(r"--[^\n]*", "", report.sql) for name, report in reports.items()}
    mentions = {name: {other for other in reports
                       if other != name and re.search(rf"\b{other}\b", code[name])}
                for name in reports}
    ordered: list[str] = []
    while len(ordered) < len(reports):
        ready = [n for n in reports if n not in ordered and mentions[n] <= set(ordered)]
        if not ready:
            stuck = sorted(set(reports) - set(ordered))
            raise RuntimeError("report views mention each other in a cycle: " + ", ".join(stuck))
        ordered += ready
    return [reports[n] for n in ordered]


def create_report_views(con, temporary: bool = False) -> None:
    """(Re)create every view, unless the catalog already has these exact views: opening
    is then a read of one row, not dozens of DDL statements (the review app opens the
    catalog for every request). ``temporary`` views live only in this connection (a
    read-only one), so a catalog opened to read always has this cragcat's reports.
    A stored view gets its description line as its comment (DESCRIBE, DBeaver)."""
    reports = in_dependency_order(available_reports())
    glossary = _column_glossary_text()
    digest = views_digest()
    # fetchall, not fetchone: a half-read result would block the connection's next query
    stored = con.execute("SELECT value FROM cragcat_meta WHERE key = 'views'").fetchall()
    if stored and stored[0][0] == digest:
        return
    kind = "TEMP VIEW" if temporary else "VIEW"
    for report in reports:
        body = report.sql.strip().rstrip(";")
        con.execute(f"CREATE OR REPLACE {kind} {report.name} AS\n{body}")
        if not temporary:
            con.execute(f"COMMENT ON VIEW {report.name} IS {sql_text(report.description)}")
    if not temporary:
        comment_view_columns(con, tomllib.loads(glossary))
        con.execute("INSERT OR REPLACE INTO cragcat_meta VALUES ('views', ?)", [digest])


@cache
def views_digest() -> str:
    """One hash of every view's SQL and the column glossary: which views made a file's."""
    reports = in_dependency_order(available_reports())
    return hashlib.sha256("\0".join([f"{r.name}\0{r.sql}" for r in reports]
                                     + [_column_glossary_text()]).encode()).hexdigest()


def _column_glossary_text() -> str:
    return resources.files("catalog.views").joinpath("columns.toml").read_text(encoding="utf-8")


def comment_view_columns(con, glossary: dict) -> None:
    """Each view column's comment from views/columns.toml ([view], then [any]), else
    from the table column of the same name where every table means the same by it."""
    tables: dict[str, set[str]] = {}
    for column, comment in con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE comment IS NOT NULL "
            "AND table_name IN (SELECT table_name FROM duckdb_tables())").fetchall():
        tables.setdefault(column, set()).add(comment)
    for view, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN "
            "(SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary)"
            ).fetchall():
        shared = tables.get(column, set())
        comment = (glossary.get(view, {}).get(column) or glossary["any"].get(column)
                   or (next(iter(shared)) if len(shared) == 1 else None))
        if comment:
            con.execute(f'COMMENT ON COLUMN {view}."{column}" IS {sql_text(comment)}')


def sql_text(text: str) -> str:
    """A SQL string literal (COMMENT ON takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"
