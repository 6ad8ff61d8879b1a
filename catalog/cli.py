"""`report`: show a named report (a SQL view), run read-only ad-hoc SQL, or draw one."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as QueryTimeout
from pathlib import Path
from typing import Callable, Mapping

import click
import duckdb

from catalog.connection import open_configured_catalog
from catalog.kept import current_kept_table, keep_reports
from catalog.csvsafe import neutralise
from catalog.outfile import FORMATS, format_of, write_query
from catalog.reports import Report, available_reports, report_query
from cragcat.command import Run, stage_options
from cragcat.console import printable
from cragcat.errors import CragcatError, UsageError


SLOW_REPORT_S = 2.0  # a live report slower than this says how to keep it


class ReportQueryError(CragcatError):
    """Ad-hoc SQL that failed: a syntax error, an unknown table, or a write."""


def _list_reports(run: Run) -> None:
    reports = available_reports()
    if run.console.json_mode:
        print(json.dumps({n: r.description for n, r in reports.items()}))
        return
    run.console.table(["report", "what it shows", "kept"],
                      [(n, r.description, "yes" if r.kept else "")
                       for n, r in reports.items()], title="Reports")
    run.console.info("[green]next:[/] report NAME (add --format csv|json), "
                     "or report --sql \"SELECT ...\"; report --keep keeps the 'kept' "
                     "ones as tables (a big catalog's reports then answer at once)")


def _keep(run: Run, name: str | None) -> None:
    """Compute the kept reports (or one) and write them to their tables."""
    reports = available_reports()
    if name and not (name in reports and reports[name].kept):
        raise UsageError(f"'{name}' is not a kept report; kept: "
                         + ", ".join(n for n, r in reports.items() if r.kept))
    with open_configured_catalog(run.settings) as catalog:
        kept = keep_reports(catalog, [name] if name else None)
    run.console.table(["report", "rows", "seconds"],
                      [(k.name, k.rows, round(k.seconds, 2)) for k in kept],
                      title="Reports kept")
    run.console.done("reports kept", {"reports": len(kept)}, next_steps=[
        "report NAME reads its kept table until the catalog next changes; "
        "tag-catalog keeps them again on a catalog of report.keep_from photos"])


def _fetch(run: Run, sql: str, limit: int | None) -> tuple[list[str], list[tuple], list[str]]:
    with open_configured_catalog(run.settings, read_only=True) as catalog:
        return _bounded(catalog.con, sql, limit, run.settings["report.timeout"])


def _bounded(con, sql: str, limit: int | None, timeout: float):
    """Run the query on a thread so that Ctrl-C and report.timeout can stop it: DuckDB
    holds the main thread in C, where Python sees no signal until the query ends."""
    with ThreadPoolExecutor(1, thread_name_prefix="report-query") as pool:
        answer = pool.submit(_query, con, sql, limit)
        try:
            return answer.result(timeout=timeout or None)
        except QueryTimeout:
            con.interrupt()
            raise ReportQueryError(f"the query ran past report.timeout ({timeout:g} s) and "
                                   "was stopped; pass --timeout SECONDS (0: no limit)") \
                from None
        except KeyboardInterrupt:
            con.interrupt()
            raise
        finally:
            answer.exception()  # wait for the interrupted query to let go of the catalog


def _query(con, sql: str, limit: int | None):
    try:
        cursor = con.execute(sql)
        if cursor.description is None:
            return [], [], []
        columns = [d[0] for d in cursor.description]
        types = [str(d[1]) for d in cursor.description]
        rows = cursor.fetchmany(limit) if limit else cursor.fetchall()
    except duckdb.InterruptException:
        return [], [], []  # stopped on purpose: the waiting thread says why
    except duckdb.Error as exc:
        raise ReportQueryError(_explain(exc)) from None
    return columns, rows, types


def _explain(exc: duckdb.Error) -> str:
    text = str(exc).strip().splitlines()[0]
    if "read-only" in text or "file system operations are disabled" in text:
        return ("report --sql runs on a read-only connection: it can read the catalog "
                f"but not change it or touch other files ({text})")
    return f"query failed: {text}"


def _jsonable(value, type_name: str):
    if type_name == "JSON" and isinstance(value, str):
        return json.loads(value)
    return value


def _csv_cell(value):
    """A CSV cell as a spreadsheet should see it: nested values as JSON, no formulas."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return neutralise(value)


def _emit(run: Run, columns, rows, types, fmt: str, single: bool, title: str) -> None:
    if fmt == "json" or run.console.json_mode:
        records = [{c: _jsonable(v, t) for c, v, t in zip(columns, row, types)} for row in rows]
        out = records[0] if single and len(records) == 1 else records
        print(json.dumps(out, default=str))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows([_csv_cell(v) for v in row] for row in rows)
        text = buffer.getvalue()
        sys.stdout.write(printable(text) if sys.stdout.isatty() else text)
    elif single and len(rows) == 1:
        run.console.table(["", ""], zip(columns, rows[0]), title=title)
    else:
        run.console.table(columns, rows, title=title)
        run.console.info(f"{len(rows)} row(s)")


# A drawn report writes files (an HTML contact sheet) instead of printing a
# view: ``draw(run, out, area)``. The stage that draws it registers it from the
# top floor (cragcat.cli), so the catalog never imports a stage.
Drawing = Callable[[Run, str | None, str | None], None]


def report_command(drawings: Mapping[str, Drawing] | None = None) -> click.Command:
    """The `report` command, with ``drawings`` (name -> draw) beside the views."""
    drawings = dict(drawings or {})

    @click.command(name="report")
    @click.argument("name", required=False)
    @click.option("--list", "list_reports", is_flag=True, help="List the named reports.")
    @click.option("--sql", help="Run an ad-hoc SELECT on a read-only connection.")
    @click.option("--format", "fmt", type=click.Choice(["table", *FORMATS]), default=None,
                  help="Output format [default: table; with --out FILE, from its ending].")
    @click.option("--limit", type=click.IntRange(min=1), default=None,
                  help="Show at most N rows [default: all].")
    @click.option("--out", type=click.Path(path_type=Path), default=None,
                  help="Write the report to this file (parquet, csv or json, through "
                       "DuckDB's COPY); report sheet: the folder for the contact sheet.")
    @click.option("--area", default=None, help="report sheet: only this area's page.")
    @click.option("--keep", is_flag=True,
                  help="Keep the kept reports (or NAME) as tables in the catalog, so "
                       "that they answer at once until the catalog next changes.")
    @stage_options("report.timeout")
    def report(run: Run, name, list_reports, sql, fmt, limit, out, area, keep):
        """Show a named report of the catalog, or run read-only SQL.

        \b
        report --list                 the named reports, one line each
        report summary                what the catalog holds
        report NAME --format json     one report as JSON
        report NAME --out F.parquet   one report as a Parquet (or .csv/.json) file
        report --sql "SELECT ..."     ad-hoc, read-only (--out F writes it to a file)
        report sheet --out DIR        HTML contact sheet: a page per area [--area NAME]
        """
        if name in drawings:
            return drawings[name](run, str(out) if out else None, area)
        if area:
            owners = " / ".join(f"`report {n}`" for n in drawings) or "a drawn report"
            raise UsageError(f"--area belongs to {owners}")
        if list_reports:
            return _list_reports(run)
        if keep:
            return _keep(run, name)
        if fmt == "parquet" and not out:
            raise UsageError("Parquet is a file: add --out FILE.parquet")
        if sql and name:
            raise UsageError("give either a report NAME or --sql, not both")
        if sql and out:
            return _write_file(run, sql, limit, fmt, out)
        if sql:
            return _emit(run, *_fetch(run, sql, limit), fmt or "table", False, "query")
        _show_view(run, name, fmt, limit, out)

    return report


def _show_view(run: Run, name: str | None, fmt: str | None, limit: int | None,
               out: Path | None) -> None:
    reports = available_reports()
    if not name:
        raise UsageError("name a report (see report --list) or pass --sql")
    if name not in reports:
        raise UsageError(f"no report named '{name}'; report --list shows them: "
                         + ", ".join(reports))
    report = reports[name]
    if out:
        return _write_file(run, report, limit, fmt, out)
    started = time.perf_counter()
    with open_configured_catalog(run.settings, read_only=True) as catalog:
        kept = current_kept_table(catalog.con, report)
        columns, rows, types = _bounded(catalog.con, report_query(report, limit, kept),
                                        limit, run.settings["report.timeout"])
    title = report.description + (" (kept copy, current)" if kept else "")
    _emit(run, columns, rows, types, fmt or "table", report.single_row, title)
    seconds = time.perf_counter() - started
    if report.kept and not kept and seconds > SLOW_REPORT_S and fmt in (None, "table"):
        run.console.info(f"computed live in {seconds:.1f} s; report --keep keeps the big "
                         "reports as tables, answered at once until the catalog changes")


def _write_file(run: Run, query: str | Report, limit: int | None, fmt: str | None,
                out: Path) -> None:
    """The query's (or report's) rows into a file through DuckDB's COPY, types kept."""
    if fmt == "table":
        raise UsageError("--out writes parquet, csv or json, not a table")
    fmt = format_of(out, fmt)
    open_configured_catalog(run.settings).close()  # create and migrate a new catalog first
    with open_configured_catalog(run.settings, read_only=True) as catalog:
        sql = query if isinstance(query, str) else \
            report_query(query, kept=current_kept_table(catalog.con, query))
        if limit:
            sql = f"SELECT * FROM ({sql}) LIMIT {int(limit)}"
        try:
            rows = write_query(catalog.con, sql, None, fmt, out)
        except duckdb.Error as exc:
            raise ReportQueryError(_explain(exc)) from None
    run.console.done("report written", {"rows": rows, "format": fmt, "file": str(out)})
