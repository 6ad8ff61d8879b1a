"""One crawl run of a source: its crawl_runs row, its frontier, the engine until done.

Every source goes through here: the html site and OpenBeta with the HTTP
fetcher, a local folder with its file reader (crawler.folder). The engine is
the one ingest loop: frontier, examine, known hashes, batch commits.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Coroutine

from crawler.engine import Engine, Source
from crawler.fetch import Fetcher
from crawler.frontier import Frontier
from crawler.guard import AddressGuard
from crawler.options import CrawlOptions
from crawler.runs import finish_run, start_run
from crawler.tally import Tally
from crawler.throttle import HostPolicy, Throttle


def fetcher_for(options: CrawlOptions, hosts: dict[str, HostPolicy],
                private_hosts=frozenset()) -> Fetcher:
    """The HTTP fetcher of a crawl: its politeness, guard and retries, plus a source's
    own host policies and private hosts."""
    throttle = Throttle(options.concurrency, options.host_policy, hosts)
    guard = AddressGuard(set(options.private_hosts) | set(private_hosts))
    return Fetcher(options.fetch, throttle, guard, options.retry)


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """asyncio.run, also where an event loop already runs in this thread (a notebook
    cell, Playwright's sync API): there the crawl gets a thread and a loop of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1, thread_name_prefix="crawl") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def crawl_source(catalog, source: Source, fetcher, options: CrawlOptions, tally: Tally,
                 on_progress: Callable[[Tally], None] | None = None) -> Tally:
    """Run the engine over ``source`` until its frontier is empty or a limit is reached;
    the run is recorded as finished, or as interrupted when it stopped early."""
    run_id = start_run(catalog, source.source_id)
    frontier = Frontier(source.source_id, run_id)
    with catalog.transaction() as tx:
        if options.refresh_after is not None:
            frontier.requeue_stale(tx, options.refresh_after)
        frontier.skip_excluded(tx)   # a person's exclusions are never fetched again
    status = "interrupted"
    try:
        run_async(_crawl(catalog, source, frontier, fetcher, options, tally, on_progress))
        status = "finished"
    finally:
        finish_run(catalog, run_id, status, tally.figures(**source.run_report()))
    return tally


async def _crawl(catalog, source, frontier, fetcher, options, tally, on_progress) -> None:
    async with fetcher:
        try:
            await Engine(catalog, source, frontier, fetcher, options.budget, tally,
                         on_progress).run()
        finally:
            tally.retries = sum(fetcher.retries.values())
