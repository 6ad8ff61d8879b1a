"""The `cragcat` command group: the top floor that wires every stage's command.

Stages never import each other; the group, `report sheet` (the catalog's
`report` with the tagger's contact sheet drawn beside its views) and `demo`
(every stage end to end) are put together here.
"""

from __future__ import annotations

from pathlib import Path

import click

from catalog.cli import report_command
from cragcat import __version__
from cragcat.command import Run, stage_options
from cragcat.export_cli import export
from crawler.cli import crawl
from review.cli import review
from samplesite.cli import sample_site
from tagger.cli import contact_sheet, tag_catalog
from trainer.cli import train

report = report_command(drawings={"sheet": contact_sheet})


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
    from cragcat.demo import next_steps, run_demo, stage_run

    if click.get_current_context().params.get("catalog_path") is None:
        catalog = Path(run.settings["demo.out"]) / "catalog.duckdb"
        run = stage_run(run, **{"catalog.path": str(catalog)})
    figures = run_demo(run)
    run.console.done("demo finished", figures, next_steps(figures))


COMMANDS = [report, sample_site, crawl, train, tag_catalog, review, demo, export]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cragcat")
def main():
    """Turn the photo piles of climbing guidebook sites into an organised catalog.

    \b
    crawl        harvest photos from a guidebook site, OpenBeta or a folder
    train        fine-tune a classifier: glory-shot, butt-shot or topo
    tag-catalog  tag every photo and suggest a cover for every route
    report       show what the catalog knows (tables, SQL, contact sheet)
    export       covers and tags as Parquet/CSV/JSON, photos as class folders
    review       label photos and choose covers in a local web app
    demo         the main job end to end on the bundled sample guidebook site
    sample-site  build or serve the bundled sample guidebook site (offline)
    """


for _command in COMMANDS:
    main.add_command(_command)
