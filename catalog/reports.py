"""Named reports: each is a SQL view in the catalog, defined in catalog/views/NAME.sql.

A view file starts with comment lines that describe it::

    -- A one-line description shown by `report --list`.
    -- rows: one            (optional: the report is a single row; JSON gives an object)

Views are (re)created every time the catalog is opened for writing, so a new
or changed report reaches old catalogs without a migration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Report:
    name: str
    description: str
    sql: str
    single_row: bool = False


def available_reports() -> dict[str, Report]:
    reports = {}
    for entry in sorted(resources.files("catalog.views").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        name = entry.name[:-4]
        if not _NAME.match(name):
            raise RuntimeError(f"report view file {entry.name} has a bad name")
        reports[name] = _parse(name, entry.read_text(encoding="utf-8"))
    return reports


def _parse(name: str, text: str) -> Report:
    header = [line[2:].strip() for line in text.splitlines() if line.startswith("--")]
    description = header[0] if header else name
    single = any(line.lower() == "rows: one" for line in header)
    return Report(name, description, text, single)


def create_report_views(con) -> None:
    for report in available_reports().values():
        body = report.sql.strip().rstrip(";")
        con.execute(f"CREATE OR REPLACE VIEW {report.name} AS\n{body}")
