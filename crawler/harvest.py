"""One crawl from the command line: pick the source, show progress, summarise.

The command layer calls :func:`harvest` with the catalog and the run's
:class:`~crawler.options.CrawlOptions`; it runs the chosen source (html
profile, OpenBeta or folder) through the engine, groups near-duplicates, and
closes with a summary table (or the --json counts) and next steps.
"""

from __future__ import annotations

import time

from crawler.crawl import crawl_source, fetcher_for
from crawler.dedup import deduplicate
from crawler.folder import crawl_folder
from crawler.options import CrawlOptions
from crawler.site import HtmlSource
from crawler.tally import Tally
from crawler.throttle import HostPolicy
from cragcat.console import Console
from cragcat.errors import UsageError


def harvest(catalog, options: CrawlOptions, console: Console, path: str | None = None) -> dict:
    """Crawl ``options.source`` into ``catalog``; return the closing figures."""
    source = options.source
    check_path(source, path)
    total = options.budget.max_images or None
    with console.progress("crawling", total=total) as progress:
        on_progress = _progress_reporter(progress, total)
        if source == "folder":
            tally = crawl_folder(catalog, path, options, on_progress)
        elif source == "html":
            tally = _html(catalog, options, on_progress)
        else:
            tally = _openbeta(catalog, options, on_progress)
    clusters = deduplicate(catalog, options.dedup)
    figures = tally.figures(near_duplicate_pairs=clusters.merged_pairs,
                            kept_apart_pairs=clusters.kept_apart)
    console.done(f"crawl ({source})", figures, _next_steps(str(catalog.path), tally))
    return figures


def check_path(source: str, path: str | None) -> None:
    """A PATH argument belongs to the folder source, and the folder source needs one."""
    if path and source != "folder":
        raise UsageError(f"a PATH argument is only for --source folder (got --source {source})")
    if source == "folder" and not path:
        raise UsageError("crawl --source folder needs the folder: crawl --source folder PATH")


def _html(catalog, options: CrawlOptions, on_progress) -> Tally:
    profile = options.profile
    source = HtmlSource(profile, options.max_depth)
    with catalog.transaction() as tx:
        source.open(tx)
    policy = HostPolicy(profile.delay, profile.concurrency)
    hosts = {host: policy for host in profile.allowed_hosts | profile.image_hosts}
    fetcher = fetcher_for(options, hosts, profile.private_hosts)
    return crawl_source(catalog, source, fetcher, options, Tally(), on_progress)


def _openbeta(catalog, options: CrawlOptions, on_progress) -> Tally:
    from crawler.openbeta import OpenBetaSource
    source = OpenBetaSource(options.openbeta_api_url, options.openbeta_media_url,
                            options.openbeta_area)
    with catalog.transaction() as tx:
        source.open(tx)
    return crawl_source(catalog, source, fetcher_for(options, {}), options, Tally(),
                        on_progress)


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


def _next_steps(catalog: str, tally: Tally) -> list[str]:
    steps = []
    if tally.failures or tally.skipped:
        steps.append(f"report crawl_failures --catalog {catalog}   (what failed or was "
                     "skipped, and why)")
    steps.append(f"report summary --catalog {catalog}")
    steps.append("run the same command again to continue or refresh (--refresh-after 7d)")
    steps.append(f"train --catalog {catalog}   (once enough photos are labelled)")
    return steps
