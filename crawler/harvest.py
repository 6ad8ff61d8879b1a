"""One crawl from the command line: pick the source, show progress, summarise.

The command layer calls :func:`harvest` with the catalog and the run's
:class:`~crawler.options.CrawlOptions`; it runs the chosen source (html
profile, OpenBeta or folder) through the engine, groups near-duplicates, and
closes with a summary table (or the --json counts) and next steps.
"""

from __future__ import annotations

import time

from rich.markup import escape

from crawler.crawl import crawl_source, fetcher_for
from crawler.dedup import deduplicate
from crawler.folder import crawl_folder
from crawler.options import CrawlOptions
from crawler.quality import quality_lines
from crawler.site import HtmlSource
from crawler.tally import Tally
from crawler.throttle import HostPolicy
from cragcat.console import Console
from cragcat.errors import CragcatError, UsageError


def harvest(catalog, options: CrawlOptions, console: Console, path: str | None = None) -> dict:
    """Crawl ``options.source`` into ``catalog``; return the closing figures."""
    source = options.source
    check_path(source, path)
    check_engine(source, options.engine)
    report: dict = {}  # the html source's profile quality report
    with console.progress("crawling") as progress:
        on_progress = _progress_reporter(progress)
        if source == "folder" and options.engine == "ray":
            from crawler.ray_folder import crawl_folder_on_ray
            tally = crawl_folder_on_ray(catalog, path, options, on_progress)
        elif source == "folder":
            tally = crawl_folder(catalog, path, options, on_progress)
        elif source == "html":
            tally, report = _html(catalog, options, on_progress)
        else:
            tally = _openbeta(catalog, options, on_progress)
    if report:
        _show_quality(console, report)
    clusters = deduplicate(catalog, options.dedup)
    figures = tally.figures(near_duplicate_pairs=clusters.merged_pairs,
                            kept_apart_pairs=clusters.kept_apart,
                            **report)
    console.done(f"crawl ({source})", figures, _next_steps(str(catalog.path), tally))
    _found_something(catalog, tally)
    return figures


class NothingFound(CragcatError):
    """A crawl that fetched nothing (its start failed or was refused) or found no photo
    where the catalog has none: exit 1 with the reason, not a quiet 0."""


def _found_something(catalog, tally: Tally) -> None:
    """Raise NothingFound unless this run fetched something or the catalog has photos
    (a rerun of a finished crawl fetches nothing, rightly)."""
    where = f"report crawl_failures --catalog {catalog.path} lists each with its reason"
    if tally.pages == 0 and tally.images == 0 and (tally.failures or tally.skipped):
        reasons = ", ".join(f"{reason} x{n}" for reason, n in sorted(tally.failures.items()))
        raise NothingFound(f"the crawl fetched nothing: {reasons or 'nothing failed'}, "
                           f"{tally.skipped} skipped; {where}")
    if tally.queued or catalog.scalar("SELECT count(*) FROM images"):
        return  # a run cut short by a limit has not looked everywhere yet
    if tally.pages:
        raise NothingFound(f"{tally.pages} page(s) fetched but no photo found on them: the "
                           "profile's photo selectors match nothing there (crawl "
                           "check-profile URL shows what each selector finds)")
    if not tally.images:
        raise NothingFound("nothing to crawl: no page, photo or file was found")


def check_engine(source: str, engine: str) -> None:
    """The Ray engine takes a folder's CPU work; a web crawl is bound by politeness."""
    if engine == "ray" and source != "folder":
        raise UsageError("--engine ray is for --source folder: a site's politeness, not "
                         "its CPU work, limits a web crawl")


def check_path(source: str, path: str | None) -> None:
    """A PATH argument belongs to the folder source, and the folder source needs one."""
    if path and source != "folder":
        raise UsageError(f"a PATH argument is only for --source folder (got --source {source})")
    if source == "folder" and not path:
        raise UsageError("crawl --source folder needs the folder: crawl --source folder PATH")


def _html(catalog, options: CrawlOptions, on_progress) -> tuple[Tally, dict]:
    profile = options.profile
    source = HtmlSource(profile, options.max_depth)
    with catalog.transaction() as tx:
        source.open(tx)
    policy = HostPolicy(profile.delay, profile.concurrency)
    hosts = {host: policy for host in profile.allowed_hosts | profile.image_hosts}
    fetcher = fetcher_for(options, hosts, profile.private_hosts)
    tally = crawl_source(catalog, source, fetcher, options, Tally(), on_progress)
    return tally, source.run_report()


def _show_quality(console: Console, report: dict) -> None:
    """The profile quality report: broken selectors as warnings, then the counts."""
    for line in quality_lines(report["profile"]):
        if line.startswith("selector"):
            console.warn(line)
        else:
            console.info(escape(line))


def _openbeta(catalog, options: CrawlOptions, on_progress) -> Tally:
    from crawler.openbeta import OpenBetaSource
    source = OpenBetaSource(options.openbeta_api_url, options.openbeta_media_url,
                            options.openbeta_area)
    with catalog.transaction() as tx:
        source.open(tx)
    return crawl_source(catalog, source, fetcher_for(options, {}), options, Tally(),
                        on_progress)


def _progress_reporter(progress):
    """The counter is URLs done of URLs known (done + queued): it moves on any crawl."""
    started = time.monotonic()

    def report(tally: Tally) -> None:
        rate = tally.images / max(time.monotonic() - started, 1e-6)
        done = tally.pages + tally.images + tally.skipped + sum(tally.failures.values()) \
            - tally.images_failed
        progress.update(
            description=(f"pages {tally.pages} · images {tally.images_new} new, "
                         f"{tally.images_duplicate} dup, {tally.images_failed} failed · "
                         f"{sum(tally.failures.values())} errors · {rate:.1f} img/s"),
            completed=done, total=done + tally.queued)
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
