"""The catalog, opened for one request at a time and closed again.

The app never holds the catalog between requests, so `crawl`, `train` and
`tag-catalog` can run while it is open. While one of them holds the file,
a request gets :class:`Busy`, naming the command when it can, and the page
tries again. DuckDB allows one configuration of a file per process, so the
app's own requests take turns (they are short).
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from catalog import Catalog, open_catalog
from cragcat.errors import CatalogInUse

_COMMANDS = ("crawl", "tag-catalog", "train", "report", "demo", "review")
_PID = re.compile(r"PID (\d+)")


class Busy(Exception):
    """Another process holds the catalog; ``message`` says which, when it can."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CatalogAccess:
    """Opens the catalog for the length of a ``with`` block: read-only to read."""

    def __init__(self, path: Path, store: Path | None, retrain_state=None):
        self.path, self.store = Path(path), store
        self._turn = threading.Lock()
        self.retrain_state = retrain_state

    @contextmanager
    def reading(self) -> Iterator[Catalog]:
        with self._opened(read_only=True) as catalog:
            yield catalog

    @contextmanager
    def writing(self) -> Iterator[Catalog]:
        with self._opened(read_only=False) as catalog:
            yield catalog

    @contextmanager
    def _opened(self, read_only: bool) -> Iterator[Catalog]:
        with self._turn:
            try:
                catalog = open_catalog(self.path, read_only=read_only, store=self.store)
            except CatalogInUse:
                raise Busy(self.busy_message()) from None
            try:
                yield catalog
            finally:
                catalog.close()

    def busy_message(self) -> str:
        """'busy: crawl running' when the process holding the file can be named."""
        command = holder_command(self.path)
        if command is None and self.retrain_state is not None and self.retrain_state.running:
            command = "retrain"
        return f"busy: {command or 'another cragcat command'} running; trying again"


def holder_command(path: Path) -> str | None:
    """The cragcat command of the process holding ``path``'s lock (DuckDB names its PID)."""
    try:
        duckdb.connect(str(path), read_only=True).close()
        return None
    except duckdb.Error as exc:
        match = _PID.search(str(exc))
    if not match:
        return None
    try:
        argv = Path(f"/proc/{match[1]}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    words = [Path(a.decode(errors="replace")).name for a in argv]
    return next((w for w in words if w in _COMMANDS), None)
