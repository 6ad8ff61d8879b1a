"""`tag-catalog`: tag every canonical photo, then suggest a cover and topo for every route."""

from __future__ import annotations

import click

from catalog import open_configured_catalog
from cragcat.command import Run, stage_options
from cragcat.errors import UsageError

TAG_SETTINGS = ("tag.model", "tag.threshold", "tag.retag", "tag.batch_size", "tag.workers",
                "tag.threads", "tag.backend", "tag.device", "tag.engine", "tag.address",
                "tag.ray_actors")


@click.command(name="tag-catalog")
@stage_options(*TAG_SETTINGS)
def tag_catalog(run: Run):
    """Tag every canonical photo with a class and confidence, and choose route covers.

    \b
    tag-catalog                       the catalog's latest model; only untagged photos
    tag-catalog --model PATH          another artifact (it is recorded in models)
    tag-catalog --threshold 0.8       a top probability under 0.8 becomes 'other'
    tag-catalog --retag               tag every photo again with this model
    tag-catalog --engine ray [--address HOST:PORT]
                                      tag on a Ray cluster (default: a local one)
    """
    from tagger.run import ray_options, tag_and_cover
    from tagger.tagging import TagOptions

    with open_configured_catalog(run.settings) as catalog:
        figures = tag_and_cover(catalog, run.settings["tag.model"] or None,
                                TagOptions.from_settings(run.settings), run.console,
                                ray_options(run.settings))
    run.console.done("catalog tagged", figures, [
        "report routes_without_cover    routes that need a photographer",
        "report review_queue --limit 20 the photos the model is least sure about",
        "report sheet --out sheet       an HTML contact sheet per area",
    ])


def contact_sheet(run: Run, out: str | None, area: str | None) -> None:
    """`report sheet`: the HTML contact sheet, a page per area (registered by cragcat.cli)."""
    from tagger.sheet import write_contact_sheet

    if not out:
        raise UsageError("report sheet needs --out DIR: the folder for the HTML pages")
    with open_configured_catalog(run.settings, read_only=True) as catalog:
        sheet = write_contact_sheet(catalog, out, area)
    run.console.done("contact sheet written", {
        "index": str(sheet.index), "area_pages": sheet.pages, "routes": sheet.routes,
        "photos": sheet.photos}, [f"open {sheet.index} in a browser"])


main = tag_catalog
