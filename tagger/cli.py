"""`tag-catalog`: tag every canonical photo, then suggest a cover and topo for every route."""

from __future__ import annotations

from pathlib import Path

import click

from cragcat.command import Run, stage_options

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
    from tagger.run import ray_options, tag_and_cover, tag_options

    with run.open_catalog() as catalog:
        figures = tag_and_cover(catalog, run.settings["tag.model"] or None,
                                tag_options(run.settings), run.console,
                                ray_options(run.settings))
    run.console.done("catalog tagged", figures, [
        "report routes_without_cover    routes that need a photographer",
        "report review_queue --limit 20 the photos the model is least sure about",
        "report sheet --out sheet       an HTML contact sheet per area",
    ])


main = tag_catalog



@click.command(name="demo")
@stage_options("demo.size", "demo.out")
def demo(run: Run):
    """Run the main job end to end on the bundled sample guidebook site.

    \b
    Builds the sample site and serves it on 127.0.0.1, crawls it, imports its
    labels, trains a model, tags every photo, chooses route covers and writes
    the contact sheet, all under --out (default ./demo; catalog demo/catalog.duckdb
    unless --catalog says otherwise).
    """
    from tagger.demo import next_steps, run_demo, stage_run

    if click.get_current_context().params.get("catalog_path") is None:
        catalog = Path(run.settings["demo.out"]) / "catalog.duckdb"
        run = stage_run(run, **{"catalog.path": str(catalog)})
    figures = run_demo(run)
    run.console.done("demo finished", figures, next_steps(figures))
