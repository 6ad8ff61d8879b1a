"""The `cragcat` command group: every stage's command as a subcommand."""

from __future__ import annotations

import click

from catalog.cli import report
from cragcat import __version__
from cragcat.export_cli import export
from crawler.cli import crawl
from samplesite.cli import sample_site
from tagger.cli import demo, tag_catalog
from trainer.cli import train

COMMANDS = [report, sample_site, crawl, train, tag_catalog, demo, export]


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
    demo         the main job end to end on the bundled sample site
    sample-site  build or serve the bundled sample guidebook site (offline)
    """


for _command in COMMANDS:
    main.add_command(_command)
