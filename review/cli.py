"""`cragcat review`: the web app to label photos and choose covers, on 127.0.0.1."""

from __future__ import annotations

import sys

import click

from cragcat.command import Run, stage_options

REVIEW_SETTINGS = ("review.host", "review.port", "review.reviewer", "review.preload",
                   "review.batch", "review.grid_size", "review.busy_retry")


@click.command(name="review")
@stage_options(*REVIEW_SETTINGS)
def review(run: Run):
    """Label photos, pin or reject covers and exclude photos in a local web app.

    \b
    review                         http://127.0.0.1:8765/ (the first line printed)
    review --port 0                a free port
    review --reviewer ann          the name recorded with every label and choice
    The app opens the catalog per request only: crawl, train and tag-catalog can
    run meanwhile (the page says "busy" and tries again). Ctrl-C stops it.
    """
    from catalog.connection import open_configured_catalog
    from review.server import review_config, serve

    config = review_config(run.settings)
    with open_configured_catalog(run.settings, create=True) as catalog:  # create or migrate
        photos = catalog.scalar("SELECT count(*) FROM images")

    def ready(url: str) -> None:
        print(url, flush=True)
        run.console.info(f"reviewing {config.catalog} ({photos} photos) as {config.reviewer}; "
                         "Ctrl-C stops")

    try:
        serve(config, run.settings["review.host"], run.settings["review.port"], ready)
    except KeyboardInterrupt:
        sys.exit(0)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {run.settings['review.host']}:"
                                   f"{run.settings['review.port']}: {exc.strerror}") from None
