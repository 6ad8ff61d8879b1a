"""One crawl run from the command line: pick the source, show progress, summarise.

The command layer calls :func:`harvest`; it opens the catalog, runs the
chosen source and closes with a summary table (or the --json counts).
"""

from __future__ import annotations

from crawler.folder import import_folder
from crawler.tally import Tally
from cragcat.command import Run
from cragcat.errors import UsageError


def harvest(run: Run, path: str | None) -> dict:
    source = run.settings["crawl.source"]
    if path and source != "folder":
        raise UsageError(f"a PATH argument is only for --source folder (got --source {source})")
    with run.open_catalog() as catalog:
        if source == "folder":
            tally = _folder(run, catalog, path)
        else:
            raise UsageError(f"unknown source {source!r}")
        figures = tally.figures()
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


def _next_steps(run: Run, tally: Tally) -> list[str]:
    catalog = run.settings["catalog.path"]
    steps = []
    if tally.images_failed or tally.failures:
        steps.append(f"report crawl_failures --catalog {catalog}   (what failed and why)")
    steps.append(f"report summary --catalog {catalog}")
    steps.append(f"train --catalog {catalog}   (once enough photos are labelled)")
    return steps
