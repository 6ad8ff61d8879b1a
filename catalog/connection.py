"""Open the DuckDB catalog: identify it, migrate it, and hold the one write path.

A file that is not a cragcat catalog, or was written by a newer schema, is
refused before anything writes to it: it is first inspected on a read-only
connection and only reopened for writing once it is known to be ours. A
catalog opened to read is never created nor migrated (so a misspelt path or a
reader beside a notebook's connection never writes), and a file cut short is
called damaged before DuckDB trips over it.
"""

from __future__ import annotations

import os
import re
import threading
import time
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb

from catalog.reports import create_report_views
from cragcat.errors import CatalogError, CatalogInUse, CatalogMissing, DiskFull

APP_NAME = "cragcat"
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file
_DUCKDB_HEADERS = 3 * 4096  # the file header and two database headers before the blocks
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every shipped migration, in order."""
    found = []
    for entry in resources.files("catalog.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError("two catalog migrations share a number")
    return found


def latest_version() -> int:
    return migrations()[-1][0]


class Catalog:
    """A connection to one catalog file. Writes go through :meth:`transaction`."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, read_only: bool,
                 store: Path):
        self.path = path
        self.con = con
        self.read_only = read_only
        self.store_dir = store

    # -- reading -----------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] | dict | None = None) -> tuple | None:
        return self.con.execute(sql, params or []).fetchone()

    def query_dicts(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[dict]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] | dict | None = None) -> Any:
        row = self.query_one(sql, params)
        return None if row is None else row[0]

    # -- the one write path -------------------------------------------------
    @contextmanager
    def transaction(self, changes: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """BEGIN ... COMMIT around a block; ROLLBACK when it raises. Each transaction
        counts one change of the catalog (``catalog_changes``: a kept report is current
        while the count is the one it was kept at, catalog.kept); one that changes no
        data (views, kept reports) passes ``changes=False``."""
        if self.read_only:
            raise CatalogError(f"catalog {self.path} was opened read-only")
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
            if changes:
                self.con.execute("UPDATE catalog_changes SET generation = generation + 1")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        try:
            self.con.execute("COMMIT")
        except duckdb.IOException as exc:
            if "space" in str(exc).lower():  # "No space left on device": nothing committed
                raise DiskFull(f"the catalog ({self.path})") from None
            raise

    def schema_version(self) -> int:
        return int(self.scalar("SELECT max(version) FROM schema_migrations") or 0)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Catalog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def default_store(path: Path) -> Path:
    return path.with_name(path.stem + "-store")


def open_configured_catalog(settings, read_only: bool = False, create: bool = False) -> Catalog:
    """The catalog a command's settings name (``catalog.path``, ``catalog.store``); only
    commands that make one on purpose (crawl, demo) pass ``create``."""
    return open_catalog(settings["catalog.path"], read_only=read_only,
                        store=settings["catalog.store"] or None, create=create)


def open_catalog(path: str | Path, read_only: bool = False,
                 store: str | Path | None = None, create: bool = True) -> Catalog:
    """Open the catalog at ``path`` (creating it when ``create``), migrated to the
    latest schema.

    ``read_only`` opens without the right to write and never creates nor migrates;
    it also blocks access to other files from SQL, so ad-hoc queries cannot write
    anywhere.
    """
    path = Path(path)
    store_dir = Path(store) if store else default_store(path)
    if path.exists():
        version = _inspect_existing(path)
        if read_only and version < latest_version():
            raise CatalogError(f"catalog {path} needs migrating to schema {latest_version()} "
                               f"(it is at {version}): run a writing command such as crawl "
                               "once, then read it")
    elif read_only or not create:
        raise CatalogMissing(path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    if read_only:
        con = _connect(path, read_only=True)
        create_report_views(con, temporary=True)
        return Catalog(path, con, True, store_dir)
    _writable(path)
    con = _connect(path, read_only=False)
    catalog = Catalog(path, con, False, store_dir)
    try:
        _migrate(catalog)
    except duckdb.IOException as exc:
        con.close()
        raise CatalogError(f"cannot write catalog {path}: {_first_line(exc)}") from None
    except BaseException:
        con.close()
        raise
    return catalog


def _writable(path: Path) -> None:
    """A writing command needs the folder too: DuckDB keeps its log (WAL) beside the file."""
    folder = path.parent
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CatalogError(f"the catalog's folder {folder} is not writable (DuckDB writes "
                           f"{path.name}.wal beside it): make it writable or pass --catalog "
                           "with a path in a writable folder; reading commands (report) "
                           "work as they are")


# A lock held this long is waited for before "in use": the review app holds the file
# for a fraction of a second per request, and a crawl started meanwhile must not fail.
LOCK_WAIT_S = 2.0


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    config = {"enable_external_access": False} if read_only else {}
    deadline, pause = time.monotonic() + LOCK_WAIT_S, threading.Event()
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise CatalogError(f"cannot open catalog {path}: {_first_line(exc)}") from None
            if time.monotonic() >= deadline:
                holder = _LOCK_HOLDER.search(str(exc))
                raise CatalogInUse(path, f"{holder[1]} (PID {holder[2]})" if holder else "") \
                    from None
            pause.wait(0.05)
        except duckdb.Error as exc:
            raise CatalogError(f"{path} is not a cragcat catalog ({_first_line(exc)}); "
                               "pass --catalog with another path") from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _inspect_existing(path: Path) -> int:
    """Refuse foreign, damaged or newer files without writing a byte to them; return
    the catalog's schema version."""
    with open(path, "rb") as fh:
        header = fh.read(16)
    if len(header) < 12 or header[8:12] != _DUCKDB_MAGIC:
        raise CatalogError(f"{path} is not a cragcat catalog (not a DuckDB file); "
                           "pass --catalog with another path")
    con = _connect(path, read_only=True)
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        if "cragcat_meta" not in tables:
            raise CatalogError(f"{path} is a DuckDB file but not a cragcat catalog; "
                               "pass --catalog with another path")
        _check_whole(path, con)
        version = con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] or 0
    except duckdb.Error as exc:
        raise _damaged(path, _first_line(exc)) from None
    finally:
        con.close()
    if version > latest_version():
        raise CatalogError(f"catalog {path} was written by a newer cragcat (schema {version}, "
                           f"this one knows up to {latest_version()}); upgrade cragcat")
    return version


def _check_whole(path: Path, con) -> None:
    """A file too short to hold the blocks in use was cut short (a copy stopped half
    way, a full disk): say so before a query reads past its end. Blocks in use, not
    all blocks: DuckDB counts free blocks too, and may leave those at the end of the
    file unwritten, so a whole catalog after deletes is shorter than the total."""
    block_size, used_blocks = con.execute(
        "SELECT block_size, used_blocks FROM pragma_database_size()").fetchone()
    needed = _DUCKDB_HEADERS + block_size * used_blocks
    if path.stat().st_size < needed:
        raise _damaged(path, f"{path.stat().st_size:,} bytes of the {needed:,} its blocks "
                             "in use need")


def _damaged(path: Path, why: str) -> CatalogError:
    return CatalogError(f"catalog {path} is damaged ({why}); it was left as it is: restore "
                        "it from a copy, or pass --catalog with another path")


def _migrate(catalog: Catalog) -> None:
    con = catalog.con
    con.execute("CREATE TABLE IF NOT EXISTS cragcat_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
        applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)""")
    con.execute("INSERT OR IGNORE INTO cragcat_meta VALUES ('app', ?)", [APP_NAME])
    applied = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    fresh = [m for m in migrations() if m[0] not in applied]
    for version, name, sql in fresh:  # catalog_changes may not exist yet: counted below
        with catalog.transaction(changes=False) as tx:
            tx.execute(sql)
            tx.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                       [version, name])
    if fresh:  # the schema changed: every table and column gets its comment again
        with catalog.transaction() as tx:
            tx.execute(resources.files("catalog").joinpath("schema_comments.sql")
                       .read_text(encoding="utf-8"))
    with catalog.transaction(changes=False) as tx:
        create_report_views(tx)
