"""The crawl loop: queued frontier rows in, fetches in flight, results committed in batches.

A *source* (the html site or the OpenBeta API) says how to request a page
and what a fetched page means; the engine does the rest the same way for
both: it keeps up to a few requests per concurrency slot in flight, decodes
images in worker processes (or threads), and writes every finished item in one short
transaction per batch, so a crawl killed at any moment loses at most the
batch in flight and a rerun carries on from the committed rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from catalog.sightings import Sighting
from crawler.fetch import FetchFailed, Fetched, Fetcher, HopRule
from crawler.frontier import Finished, Frontier, FrontierItem
from crawler.ingest import (Examined, ImageRejected, Outcome, examine_and_store, record_images,
                            sha256_of)
from crawler.refs import add_refs, sightings_for
from crawler.tally import Tally
from cragcat.errors import ItemRejected

PAGE_KINDS = ("page", "api")
# A commit costs the catalog tens of milliseconds whatever its size, so results
# are gathered for up to this long (or MAX_BATCH of them) unless work runs out.
COMMIT_EVERY = 0.5  # seconds
MAX_BATCH = 500


class PageRejected(ItemRejected):
    """A fetched page that cannot be read as what it should be (not HTML, bad JSON).
    ``reason`` goes into the frontier row."""


@dataclass(frozen=True)
class Request:
    url: str
    method: str = "GET"
    json: Any = None


@dataclass
class Discoveries:
    """What the pages of one batch point to; written with one statement per kind."""

    refs: list[tuple[Sighting, int]] = field(default_factory=list)  # (reference, depth)
    follow: list[tuple] = field(default_factory=list)   # (url, kind, depth, from, context)
    skipped: list[tuple] = field(default_factory=list)  # (url, kind, reason, depth, from)


class Source(Protocol):
    """What the engine needs from a source (crawler.site, crawler.openbeta, crawler.folder).

    ``request``, ``parse`` and ``record`` serve page rows; a source that queues only
    images (a folder) is never asked for them."""

    source_id: int
    parse_anywhere: bool  # parse() and its arguments pickle: it may run in a worker process

    def seed(self, tx, frontier: Frontier) -> None: ...
    def request(self, item: FrontierItem) -> Request: ...
    def hop_rule(self, item: FrontierItem) -> HopRule | None: ...
    def parse(self, item: FrontierItem, fetched: Fetched) -> Any: ...
    def record(self, tx, item: FrontierItem, fetched: Fetched, findings: Any,
               frontier: Frontier, found: Discoveries) -> None: ...
    def finish(self, tx) -> None: ...
    def run_report(self) -> dict: ...  # extra figures of the run (after finish)


@dataclass(frozen=True)
class Budget:
    """How much one run may do, and with how many workers (crawl.* settings)."""

    max_pages: int   # 0: no limit
    max_images: int
    in_flight: int   # requests (or file reads) started and not yet finished
    max_pixels: int
    workers: int
    image_processes: bool  # decode in worker processes instead of threads
    image_seconds: float = 0.0  # per image in a worker process; 0: no limit

    @classmethod
    def from_settings(cls, settings) -> "Budget":
        # four requests in flight per slot: while one waits on the network or the
        # throttle, the others keep the slot busy
        return cls(settings["crawl.max_pages"], settings["crawl.max_images"],
                   in_flight=settings["crawl.concurrency"] * 4,
                   max_pixels=settings["crawl.max_pixels"],
                   workers=settings["crawl.image_workers"],
                   image_processes=settings["crawl.image_processes"],
                   image_seconds=settings["crawl.image_seconds"])


@dataclass
class _PageDone:
    item: FrontierItem
    fetched: Fetched
    findings: Any


@dataclass
class _ImageDone:
    item: FrontierItem
    fetched: Fetched
    sha256: str
    examined: Examined | None
    paths: tuple[str, str] | None


@dataclass
class _Failed:
    item: FrontierItem
    reason: str
    detail: str = ""
    status: int | None = None
    attempts: int = 1
    skipped: bool = False
    sha256: str | None = None
    target: str | None = None  # the redirect target the failure concerns


class Engine:
    def __init__(self, catalog, source: Source, frontier: Frontier, fetcher: Fetcher,
                 budget: Budget, tally: Tally,
                 on_progress: Callable[[Tally], None] | None = None):
        self.catalog = catalog
        self.source = source
        self.frontier = frontier
        self.fetcher = fetcher
        self.budget = budget
        self.tally = tally
        self.on_progress = on_progress or (lambda tally: None)
        self._started = {"page": 0, "image": 0}
        self._pool: ThreadPoolExecutor | None = None
        self._images = None  # the image pool: worker processes or the thread pool
        self._ready: list[FrontierItem] = []  # queued rows read after the last commit
        self._stale = True                     # a commit may have queued more
        # SHA-256s already in the catalog: a duplicate is never decoded again
        self._known = {row[0] for row in catalog.query("SELECT sha256 FROM images")}

    async def run(self) -> Tally:
        with self.catalog.transaction() as tx:
            self.source.seed(tx, self.frontier)
        tasks: dict[asyncio.Task, FrontierItem] = {}
        pending: list = []  # finished, not yet committed
        committing: asyncio.Future | None = None
        loop = asyncio.get_running_loop()
        # The catalog is written on its own thread, so fetching and decoding go on
        # while a batch commits; the next batch is whatever finished meanwhile.
        with ThreadPoolExecutor(self.budget.workers, thread_name_prefix="ingest") as pool, \
                _image_pool(self.budget) as images, \
                ThreadPoolExecutor(1, thread_name_prefix="catalog") as writer:
            self._pool, self._images = pool, images or pool
            last_commit = loop.time()
            try:
                while self._fill(tasks, pending, committing) or pending or committing:
                    wait_for = None
                    if committing is None and pending:
                        wait_for = last_commit + COMMIT_EVERY - loop.time()
                        if wait_for <= 0 or self._starving(tasks, pending):
                            committing = loop.run_in_executor(
                                writer, self._commit_and_refill, pending, self._busy(tasks, []))
                            pending, wait_for, last_commit = [], None, loop.time()
                    waiting = set(tasks) | {committing} - {None}
                    done, _ = await asyncio.wait(waiting, timeout=wait_for,
                                                 return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        if task is committing:
                            # a failed commit stops the crawl
                            self._adopt(task.result(), self._busy(tasks, pending))
                            committing = None
                            self.on_progress(self.tally)
                        else:
                            pending.append(task.result())
                            del tasks[task]
            finally:
                for task in tasks:
                    task.cancel()
                if committing is not None:
                    await asyncio.wait({committing})
        with self.catalog.transaction() as tx:
            self.source.finish(tx)
        return self.tally

    def _starving(self, tasks: dict, pending: list) -> bool:
        """Commit now rather than on the clock: nothing else is in flight, the crawl
        has run out of known work (only a commit reads the next queued rows), or the
        batch is already big."""
        return not tasks or (not self._ready and len(tasks) < self.budget.in_flight) or \
            len(pending) >= MAX_BATCH

    # -- choosing work --------------------------------------------------------
    def _fill(self, tasks: dict, pending: list, committing) -> bool:
        """Start tasks for queued rows within the budget; True when any is in flight.

        The frontier is read again only after a commit, and never while one runs
        (one catalog connection, used by one thread at a time)."""
        if self._stale and committing is None:
            self._adopt(self._next_items(self._room, self._busy(tasks, pending)), set())
        waiting = []
        for item in self._ready:
            kind = "image" if item.kind == "image" else "page"
            limit = self.budget.max_images if kind == "image" else self.budget.max_pages
            if len(tasks) >= self.budget.in_flight or (limit and self._started[kind] >= limit):
                waiting.append(item)
                continue
            self._started[kind] += 1
            tasks[asyncio.create_task(self._work(item))] = item
        self._ready = waiting
        return bool(tasks)

    @property
    def _room(self) -> int:
        return self.budget.in_flight * 2

    @staticmethod
    def _busy(tasks: dict, pending: list) -> set[str]:
        return {item.url for item in tasks.values()} | {r.item.url for r in pending}

    def _adopt(self, fresh: list[FrontierItem], busy: set[str]) -> None:
        """Queued rows read after a commit become the next work, less any started since."""
        self._ready = [item for item in fresh if item.url not in busy]
        self._stale = False

    def _next_items(self, room: int, busy: set[str]) -> list[FrontierItem]:
        images = self._left("image", self.budget.max_images, room)
        pages = self._left("page", self.budget.max_pages, room)
        con = self.catalog.con
        found_images = self.frontier.queued(con, "image", images, busy) if images else []
        found_pages = self.frontier.queued(con, PAGE_KINDS, pages, busy) if pages else []
        mixed = [item for pair in zip(found_images, found_pages) for item in pair]
        longer = found_images if len(found_images) > len(found_pages) else found_pages
        mixed += longer[min(len(found_images), len(found_pages)):]
        return mixed[:room]

    def _left(self, kind: str, limit: int, room: int) -> int:
        return room if not limit else max(0, min(room, limit - self._started[kind]))

    # -- doing work (no catalog writes here) -----------------------------------
    async def _work(self, item: FrontierItem):
        try:
            if item.kind == "image":
                return await self._image(item)
            return await self._page(item)
        except FetchFailed as exc:
            return _Failed(item, exc.reason, exc.detail, exc.status, max(exc.attempts, 1),
                           exc.skipped, target=exc.url)

    async def _page(self, item: FrontierItem):
        request = self.source.request(item)
        fetched = await self.fetcher.fetch(request.url, request.method, request.json,
                                           etag=item.etag, last_modified=item.last_modified,
                                           hop=self.source.hop_rule(item))
        if fetched.not_modified:
            return _PageDone(item, fetched, None)
        if not 200 <= fetched.status < 300:
            return _Failed(item, f"http-{fetched.status}", "", fetched.status, fetched.attempts)
        loop = asyncio.get_running_loop()
        # an HTML page is parsed beside the images (in a worker process when those are
        # processes), so the event loop does not share the GIL with BeautifulSoup
        pool = self._images if self.source.parse_anywhere else self._pool
        try:
            findings = await loop.run_in_executor(pool, self.source.parse, item, fetched)
        except PageRejected as exc:
            return _Failed(item, exc.reason, exc.detail, fetched.status, fetched.attempts)
        return _PageDone(item, fetched, findings)

    async def _image(self, item: FrontierItem):
        fetched = await self.fetcher.fetch(item.url, hop=self.source.hop_rule(item))
        if not 200 <= fetched.status < 300:
            return _Failed(item, f"http-{fetched.status}", "", fetched.status, fetched.attempts)
        sha = sha256_of(fetched.content)
        if sha in self._known:
            return _ImageDone(item, fetched, sha, None, None)
        loop = asyncio.get_running_loop()
        try:
            examined, paths = await loop.run_in_executor(
                self._images, examine_and_store, fetched.content, fetched.content_type,
                self.budget.max_pixels, str(self.catalog.store_dir),
                self.budget.image_seconds if self.budget.image_processes else 0.0)
        except ImageRejected as exc:
            return _Failed(item, exc.reason, exc.detail, fetched.status, fetched.attempts,
                           sha256=sha)
        self._known.add(sha)
        return _ImageDone(item, fetched, sha, examined, paths)

    # -- writing results: one transaction per batch -----------------------------
    def _commit_and_refill(self, results: list, busy: set[str]) -> list[FrontierItem]:
        """On the catalog thread: commit a batch, then read the next queued rows, so
        the event loop never waits on a catalog query."""
        self._commit(results)
        self.tally.queued = self.frontier.count_queued(self.catalog.con)
        return self._next_items(self._room, busy)

    def _commit(self, results: list) -> None:
        failed = [r for r in results if isinstance(r, _Failed)]
        images = [r for r in results if isinstance(r, _ImageDone)]
        pages = [r for r in results if isinstance(r, _PageDone)]
        found = Discoveries()
        with self.catalog.transaction() as tx:
            for result in failed:
                self._record_failure(tx, result)
            self._record_images(tx, images)
            for result in pages:
                self._record_page(tx, result, found)
            self.frontier.finish_many(tx, [_finished(r) for r in pages])
            self.tally.sightings += add_refs(tx, self.frontier, found.refs)
            self.frontier.enqueue_many(tx, found.follow)
            self.tally.skipped += len(self.frontier.skip_many(tx, found.skipped))

    def _record_failure(self, tx, failed: _Failed) -> None:
        if failed.target:  # a redirect led to a URL we refuse: it gets its own row
            self.frontier.skip(tx, failed.target, failed.item.kind, failed.reason,
                               failed.item.depth, discovered_from=failed.item.url)
        if failed.skipped:
            self.frontier.mark_skipped(tx, failed.item.url, failed.reason, failed.attempts)
            self.tally.skipped += 1
            return
        self.frontier.fail(tx, failed.item.url, failed.reason, failed.detail or None,
                           failed.attempts, failed.status, failed.sha256)
        if failed.item.kind == "image":
            self.tally.count(Outcome("failed", failed.sha256, failed.reason))
        else:
            self.tally.failures[failed.reason] += 1

    def _record_images(self, tx, done: list[_ImageDone]) -> None:
        if not done:
            return
        new = record_images(tx, [(d.examined, d.paths) for d in done if d.examined])
        for d in done:
            self.tally.count(Outcome("new" if d.sha256 in new else "duplicate", d.sha256))
            new.discard(d.sha256)  # a second URL with the same bytes is a duplicate
        self.frontier.finish_many(tx, [_finished(d, d.sha256) for d in done])
        self.tally.sightings += sightings_for(tx, [d.item.url for d in done])

    def _record_page(self, tx, done: _PageDone, found: Discoveries) -> None:
        self.tally.pages += 1
        if done.findings is not None:
            self.source.record(tx, done.item, done.fetched, done.findings, self.frontier, found)


def _image_pool(budget: Budget):
    """Worker processes for image work (bytes in, a small result out), so decoding
    never competes with the event loop for the GIL; a null context for threads."""
    if not budget.image_processes:
        return contextlib.nullcontext()
    # spawn: never fork a threaded process; and the workers are our own children, so
    # their CPU time shows in ours once they are joined (what the benchmark counts)
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(budget.workers, mp_context=context,
                               initializer=_worker_start, initargs=(os.getpid(),))


def _worker_start(parent: int) -> None:
    """In each image worker: Ctrl-C is the parent's to handle (it stops the pool, so
    the workers print no traceback of their own), and a worker whose parent died
    (kill -9) exits instead of holding its memory for ever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True,
                     name="orphan-watch").start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _finished(done, sha256: str | None = None) -> Finished:
    fetched = done.fetched
    return Finished(done.item.url, fetched.attempts, fetched.status, fetched.content_type,
                    fetched.etag, fetched.last_modified, sha256)
