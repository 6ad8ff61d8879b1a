"""`crawl`: harvest photos from an html site, the OpenBeta API or a local folder."""

from __future__ import annotations

import click

from catalog import open_configured_catalog
from cragcat.command import Run, stage_options
from cragcat.errors import UsageError


@click.command(name="crawl")
@click.argument("args", nargs=-1, metavar="[PATH | check-profile URL]")
@stage_options("crawl.source", "crawl.profile_name", "crawl.start",
               "crawl.labels_from_folders", "crawl.max_pages", "crawl.max_images",
               "crawl.max_depth", "crawl.refresh_after", "crawl.concurrency",
               "crawl.host_concurrency", "crawl.delay", "crawl.timeout", "crawl.max_bytes",
               "crawl.retries", "crawl.contact", "openbeta.api_url", "openbeta.media_url",
               "openbeta.area", "crawl.engine", "crawl.address")
def crawl(run: Run, args):
    """Harvest climbing photos into the catalog, politely and resumably.

    \b
    crawl --profile sample --start URL       an html site described by a profile
    crawl --source openbeta --area NAME      the OpenBeta API, from a root area down
    crawl --source folder PATH [--labels-from-folders]
                                             a local folder, sub-folders as labels
    crawl --source folder PATH --engine ray [--address HOST:PORT]
                                             the same, examined on a Ray cluster
    crawl check-profile URL [--profile NAME] what each selector finds on one page
    Run the same command again to continue a crawl that was stopped.
    """
    if args[:1] == ("check-profile",):
        return _check_profile(run, args[1:])
    if len(args) > 1:
        raise UsageError(f"crawl takes one PATH (got {len(args)}: {' '.join(args)})")
    path = args[0] if args else None
    from crawler.harvest import check_engine, check_path, harvest
    from crawler.options import CrawlOptions

    check_path(run.settings["crawl.source"], path)
    check_engine(run.settings["crawl.source"], run.settings["crawl.engine"])
    options = CrawlOptions.from_settings(run.settings)
    with open_configured_catalog(run.settings, create=True) as catalog:
        harvest(catalog, options, run.console, path)


def _check_profile(run: Run, urls: tuple[str, ...]) -> None:
    from crawler.check_profile import check_profile
    from crawler.options import CrawlOptions
    from crawler.profile import load_profile

    if len(urls) != 1:
        raise UsageError("crawl check-profile takes one URL: crawl check-profile URL "
                         "[--profile NAME]")
    profile = load_profile(run.settings, run.settings["crawl.profile_name"], list(urls))
    check_profile(CrawlOptions.from_settings(run.settings, source="html", profile=profile),
                  urls[0], run.console)


main = crawl
