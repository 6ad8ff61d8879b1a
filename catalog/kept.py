"""Reports kept as tables, for catalogs too big to report on live.

At ten million photos a report that reads every photo is a scan and a hash join
of tables of millions of rows: seconds on two cores, whatever SQL it is written
in. A report whose view file says ``-- kept: yes`` can be kept: its rows, in
report order, are written to the table ``kept.NAME`` (`report --keep`, and
`tag-catalog` itself once the catalog holds ``report.keep_from`` photos), and
``kept_reports`` notes the catalog's change count and the views that made it.

Every write transaction counts one change (``catalog_changes``, bumped by
:meth:`catalog.connection.Catalog.transaction`), so a kept copy is read only while
nothing was written after it, by the same views: `report NAME` is never stale;
it is either kept and current (milliseconds) or computed live (as before).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from catalog.reports import Report, available_reports, report_query, views_digest

KEPT_SCHEMA = "kept"


@dataclass(frozen=True)
class KeptReport:
    """One report written to its kept table."""

    name: str
    rows: int
    seconds: float


def kept_table(name: str) -> str:
    return f"{KEPT_SCHEMA}.{name}"


def current_kept_table(con, report: Report) -> str | None:
    """``kept.NAME`` when the report's kept copy is current, else None (compute it live)."""
    if not report.kept:
        return None
    current = con.execute(
        "SELECT k.generation = c.generation AND k.views = ? "
        "FROM kept_reports k, catalog_changes c WHERE k.name = ?",
        [views_digest(), report.name]).fetchall()
    return kept_table(report.name) if current and current[0][0] else None


def keep_reports(catalog, names: list[str] | None = None) -> list[KeptReport]:
    """Write every kept report (or those ``names``) to its table, one transaction each;
    writing them changes no data, so the copies kept first stay current."""
    reports = [r for r in available_reports().values()
               if r.kept and (names is None or r.name in names)]
    return [_keep(catalog, report) for report in reports]


def _keep(catalog, report: Report) -> KeptReport:
    started = time.perf_counter()
    table = kept_table(report.name)
    with catalog.transaction(changes=False) as tx:
        # the report's own query, ordered: a plain scan of the table keeps that order
        tx.execute(f"CREATE OR REPLACE TABLE {table} AS {report_query(report)}")
        rows = tx.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        seconds = time.perf_counter() - started
        tx.execute("INSERT OR REPLACE INTO kept_reports (name, generation, views, rows, "
                   "compute_seconds, kept_at) SELECT ?, generation, ?, ?, ?, current_timestamp "
                   "FROM catalog_changes", [report.name, views_digest(), rows, seconds])
    return KeptReport(report.name, rows, seconds)


def worth_keeping(catalog, keep_from: int) -> bool:
    """Whether a batch step should keep the reports: the catalog holds at least
    ``keep_from`` photos (0: always, -1: never; below it every report answers live in
    about a second, and keeping them would only cost the batch step time)."""
    return keep_from >= 0 and catalog.scalar("SELECT count(*) FROM images") >= keep_from


def kept_state(con) -> dict[str, dict]:
    """Each kept report's copy: rows, when, how long it took, and whether it is current."""
    digest = views_digest()
    return {name: {"rows": rows, "kept_at": kept_at, "seconds": seconds,
                   "current": generation == changes and views == digest}
            for name, rows, kept_at, seconds, generation, views, changes in con.execute(
                "SELECT k.name, k.rows, k.kept_at, k.compute_seconds, k.generation, k.views, "
                "c.generation FROM kept_reports k, catalog_changes c").fetchall()}
