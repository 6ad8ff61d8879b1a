"""What a command shows a person: progress, tables, a closing summary.

Three modes: normal (rich output on stderr, tables and summaries on stdout),
``quiet`` (only errors and the closing summary's figures) and ``json`` (errors
and warnings on stderr; the last line of stdout is one JSON object). Progress
is a bar on a terminal and a plain line every ``progress_every`` seconds
otherwise (a log file). Crawled text reaches a terminal without control
characters: no escape sequence or bidi override of a web page acts on it.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

from rich.console import Console as RichConsole
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                           TextColumn, TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table


class _NoProgress:
    """Stand-in for a progress task when progress is not shown."""

    def advance(self, n: int = 1) -> None:
        pass

    def update(self, **_: Any) -> None:
        pass


class _PlainProgress:
    """Progress where there is no terminal: a plain line at most every ``every`` seconds,
    so a log shows a long run moving (as Scrapy's LogStats does)."""

    def __init__(self, console: "Console", description: str, total: int | None):
        self.console, self.description, self.total = console, description, total
        self.completed = 0
        self._last = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.update(completed=self.completed + n)

    def update(self, description: str | None = None, completed: int | None = None,
               total: int | None = None, **_: Any) -> None:
        self.description = description or self.description
        self.completed = self.completed if completed is None else completed
        self.total = self.total if total is None else total
        if time.monotonic() - self._last >= self.console.progress_every:
            self._last = time.monotonic()
            done = f"{self.completed}/{self.total}" if self.total else f"{self.completed}"
            self.console.err.print(f"{printable(self.description)} · {done}", markup=False)


class _ProgressTask:
    def __init__(self, progress: Progress, task_id):
        self._progress = progress
        self._task_id = task_id

    def advance(self, n: int = 1) -> None:
        self._progress.advance(self._task_id, n)

    def update(self, **fields: Any) -> None:
        self._progress.update(self._task_id, **fields)


class Console:
    def __init__(self, quiet: bool = False, json_mode: bool = False,
                 progress_every: float = 30.0):
        self.quiet = quiet
        self.json_mode = json_mode
        self.progress_every = progress_every  # seconds between plain progress lines
        self.err = RichConsole(stderr=True, highlight=False, soft_wrap=True)
        self.out = RichConsole(highlight=False, soft_wrap=True)

    @property
    def chatty(self) -> bool:
        return not (self.quiet or self.json_mode)

    def info(self, message: str) -> None:
        """A line of narrative; markup is allowed, crawled text must be escaped."""
        if self.chatty:
            self.err.print(message)

    def warn(self, message: str) -> None:
        """On stderr in every mode but quiet: under --json stdout stays one JSON line."""
        if not self.quiet:
            self.err.print(f"[yellow]warning:[/] {escape(message)}")

    def error(self, message: str) -> None:
        self.err.print(f"[red]error:[/] {escape(message)}")

    def table(self, columns: Sequence[str], rows: Iterable[Sequence[Any]],
              title: str | None = None) -> None:
        """A result table on stdout (shown in quiet mode too: it is the result)."""
        table = Table(title=title, header_style="bold")
        for column in columns:
            table.add_column(escape(str(column)))
        for row in rows:
            table.add_row(*(escape(printable(_cell(v))) for v in row))
        self.out.print(table)

    @contextmanager
    def progress(self, description: str, total: int | None = None) -> Iterator[Any]:
        """A progress bar on stderr for work that takes more than a second."""
        if not self.chatty:
            yield _NoProgress()
            return
        if not self.err.is_terminal:
            yield _PlainProgress(self, description, total)
            return
        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn()]
        with Progress(*columns, console=self.err, transient=True) as progress:
            yield _ProgressTask(progress, progress.add_task(description, total=total))

    def done(self, title: str, figures: dict[str, Any],
             next_steps: Sequence[str] = ()) -> None:
        """Close a command: what happened, and what to do next.

        In json mode the figures become the last line of stdout.
        """
        if self.json_mode:
            print(json.dumps(figures, default=str, sort_keys=False))
            return
        if self.quiet:
            print(" ".join(f"{k}={_cell(v)}" for k, v in figures.items()))
            return
        self.table(["", ""], ((k.replace("_", " "), v) for k, v in figures.items()), title=title)
        for step in next_steps:
            self.err.print(f"[green]next:[/] {step}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items()) or "-"
    return str(value)


# C0 and C1 controls but tab and newline, and the bidi embeddings, overrides and
# isolates that make text show in another order than it reads (display spoofing)
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f"
                          "\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` without control characters, for a terminal (or an HTML sheet)."""
    return _UNPRINTABLE.sub("", text)

