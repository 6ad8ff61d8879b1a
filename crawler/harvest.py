"""One crawl run from the command line: pick the source, show progress, summarise.

The command layer calls :func:`harvest`; it opens the catalog, runs the
chosen source (html profile, OpenBeta or folder), groups near-duplicates,
and closes with a summary table (or the --json counts) and next steps.
"""

from __future__ import annotations

import asyncio
import time

from catalog import open_configured_catalog
from crawler.dedup import DedupSettings, deduplicate
from crawler.duration import parse_duration
from crawler.engine import Budget, Engine
from crawler.fetch import Fetcher, FetchSettings
from crawler.folder import import_folder
from crawler.frontier import Frontier
from crawler.guard import AddressGuard
from crawler.profile import load_profile
from crawler.retry import RetryPolicy
from crawler.runs import finish_run, start_run
from crawler.site import HtmlSource
from crawler.tally import Tally
from crawler.throttle import HostPolicy, Throttle
from cragcat.command import Run
from cragcat.errors import UsageError


def harvest(run: Run, path: str | None) -> dict:
    source = run.settings["crawl.source"]
    if path and source != "folder":
        raise UsageError(f"a PATH argument is only for --source folder (got --source {source})")
    with open_configured_catalog(run.settings) as catalog:
        if source == "folder":
            tally = _folder(run, catalog, path)
        elif source == "html":
            tally = _html(run, catalog)
        else:
            tally = _openbeta(run, catalog)
        clusters = deduplicate(catalog, DedupSettings.from_settings(run.settings))
        figures = tally.figures(near_duplicate_pairs=clusters.merged_pairs,
                                kept_apart_pairs=clusters.kept_apart)
        run.console.done(f"crawl ({source})", figures, _next_steps(run, tally))
    return figures


def _folder(run: Run, catalog, path: str | None) -> Tally:
    if not path:
        raise UsageError("crawl --source folder needs the folder: crawl --source folder PATH")
    settings = run.settings
    with run.console.progress(f"importing {path}") as progress:
        return import_folder(catalog, path, settings["crawl.labels_from_folders"],
                             max_pixels=settings["crawl.max_pixels"],
                             max_images=settings["crawl.max_images"],
                             batch_size=settings["crawl.batch_size"],
                             on_item=lambda outcome: progress.advance())


def _html(run: Run, catalog) -> Tally:
    settings = run.settings
    profile = load_profile(settings, settings["crawl.profile_name"], settings["crawl.start"])
    source = HtmlSource(profile, settings["crawl.max_depth"])
    with catalog.transaction() as tx:
        source.open(tx)
    policy = HostPolicy(profile.delay, profile.concurrency)
    hosts = {host: policy for host in profile.allowed_hosts | profile.image_hosts}
    return crawl_source(run, catalog, source, hosts, profile.private_hosts)


def _openbeta(run: Run, catalog) -> Tally:
    from crawler.openbeta import OpenBetaSource
    settings = run.settings
    source = OpenBetaSource(settings["openbeta.api_url"], settings["openbeta.media_url"],
                            settings["openbeta.area"])
    with catalog.transaction() as tx:
        source.open(tx)
    return crawl_source(run, catalog, source, {}, frozenset())


def fetcher_from(settings, hosts: dict[str, HostPolicy], private_hosts) -> Fetcher:
    """The fetcher a crawl uses, built from crawl.* settings and a source's host policies."""
    default = HostPolicy(settings["crawl.delay"], settings["crawl.host_concurrency"])
    throttle = Throttle(settings["crawl.concurrency"], default, hosts)
    guard = AddressGuard(set(settings["crawl.private_hosts"]) | set(private_hosts))
    retry = RetryPolicy(settings["crawl.retries"], settings["crawl.backoff"],
                        settings["crawl.backoff_max"])
    fetch = FetchSettings(contact=settings["crawl.contact"],
                          user_agent=settings["crawl.user_agent"],
                          timeout=settings["crawl.timeout"],
                          max_bytes=settings["crawl.max_bytes"])
    return Fetcher(fetch, throttle, guard, retry)


def crawl_source(run: Run, catalog, source, hosts: dict[str, HostPolicy],
                 private_hosts) -> Tally:
    """Run the engine over ``source`` until its frontier is empty or a limit is reached."""
    settings = run.settings
    run_id = start_run(catalog, source.source_id)
    frontier = Frontier(source.source_id, run_id)
    if settings["crawl.refresh_after"]:
        with catalog.transaction() as tx:
            frontier.requeue_stale(tx, parse_duration(settings["crawl.refresh_after"]))
    budget = Budget(settings["crawl.max_pages"], settings["crawl.max_images"],
                    in_flight=settings["crawl.concurrency"] * 4,
                    max_pixels=settings["crawl.max_pixels"],
                    workers=settings["crawl.image_workers"],
                    image_processes=settings["crawl.image_processes"])
    tally, status = Tally(), "interrupted"
    total = settings["crawl.max_images"] or None
    try:
        with run.console.progress("crawling", total=total) as progress:
            asyncio.run(_crawl(catalog, source, frontier, settings, hosts, private_hosts,
                               budget, tally, _progress_reporter(progress, total)))
        status = "finished"
    finally:
        finish_run(catalog, run_id, status, tally.figures())
    return tally


async def _crawl(catalog, source, frontier, settings, hosts, private_hosts, budget, tally,
                 on_progress) -> None:
    async with fetcher_from(settings, hosts, private_hosts) as fetcher:
        try:
            await Engine(catalog, source, frontier, fetcher, budget, tally, on_progress).run()
        finally:
            tally.retries = sum(fetcher.retries.values())


def _progress_reporter(progress, total: int | None):
    started = time.monotonic()

    def report(tally: Tally) -> None:
        rate = tally.images / max(time.monotonic() - started, 1e-6)
        progress.update(
            description=(f"pages {tally.pages} · images {tally.images_new} new, "
                         f"{tally.images_duplicate} dup, {tally.images_failed} failed · "
                         f"{sum(tally.failures.values())} errors · {rate:.1f} img/s"),
            completed=tally.images if total else None)
    return report


def _next_steps(run: Run, tally: Tally) -> list[str]:
    catalog = run.settings["catalog.path"]
    steps = []
    if tally.failures or tally.skipped:
        steps.append(f"report crawl_failures --catalog {catalog}   (what failed or was "
                     "skipped, and why)")
    steps.append(f"report summary --catalog {catalog}")
    steps.append("run the same command again to continue or refresh (--refresh-after 7d)")
    steps.append(f"train --catalog {catalog}   (once enough photos are labelled)")
    return steps
