"""`crawl`: harvest photos from an html site, the OpenBeta API or a local folder."""

from __future__ import annotations

import click

from catalog import open_configured_catalog
from cragcat.command import Run, stage_options


@click.command(name="crawl")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@stage_options("crawl.source", "crawl.profile_name", "crawl.start",
               "crawl.labels_from_folders", "crawl.max_pages", "crawl.max_images",
               "crawl.max_depth", "crawl.refresh_after", "crawl.concurrency",
               "crawl.host_concurrency", "crawl.delay", "crawl.timeout", "crawl.max_bytes",
               "crawl.retries", "crawl.contact", "openbeta.api_url", "openbeta.media_url",
               "openbeta.area")
def crawl(run: Run, path):
    """Harvest climbing photos into the catalog, politely and resumably.

    \b
    crawl --profile sample --start URL       an html site described by a profile
    crawl --source openbeta --area NAME      the OpenBeta API, from a root area down
    crawl --source folder PATH [--labels-from-folders]
                                             a local folder, sub-folders as labels
    Run the same command again to continue a crawl that was stopped.
    """
    from crawler.harvest import check_path, harvest
    from crawler.options import CrawlOptions

    check_path(run.settings["crawl.source"], path)
    options = CrawlOptions.from_settings(run.settings)
    with open_configured_catalog(run.settings) as catalog:
        harvest(catalog, options, run.console, path)


main = crawl
