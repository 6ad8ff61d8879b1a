"""`cragcat export`: hand the catalog's results back in the formats people use.

Wiring only: the queries live in catalog.exports and catalog.image_folder,
the file writing in catalog.outfile. Every export reads the catalog on a
read-only connection.
"""

from __future__ import annotations

from pathlib import Path

import click

from catalog.connection import open_configured_catalog
from catalog.exports import AREA_COVERS_SQL, ROUTE_COVERS_SQL, TAGS_SQL
from catalog.image_folder import LABEL_CHOICES, PATH_COLUMN, export_folder
from catalog.outfile import FORMATS, format_of, write_query
from cragcat.command import Run, stage_options

_FORMAT = click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                       help="File format [default: from the --out file's ending].")
_OUT = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                    help="The file to write (.parquet, .csv or .json).")


@click.group(name="export")
def export():
    """Hand the results back: covers and tags as files, photos as class folders.

    \b
    export covers --out covers.csv          a cover and topo per route, by the site's ids
    export covers --areas --out areas.json  a cover per area
    export tags --out tags.parquet          a record per sighting, probabilities as a map
    export folder --out DIR --split         ImageFolder layout + provenance.csv
    """


def _write(run: Run, sql: str, fmt: str | None, out: Path, what: str) -> None:
    fmt = format_of(out, fmt)
    open_configured_catalog(run.settings).close()  # create and migrate a new catalog first
    with open_configured_catalog(run.settings, read_only=True) as catalog:
        rows = write_query(catalog.con, sql, None, fmt, out)
    run.console.done(f"{what} exported", {"records": rows, "format": fmt, "file": str(out)})


@export.command(name="covers")
@_FORMAT
@_OUT
@click.option("--areas", is_flag=True, help="One record per area instead of per route.")
@stage_options()
def covers(run: Run, fmt, out: Path, areas: bool):
    """The cover (and, per route, the best topo) in force for every route or area."""
    if areas:
        _write(run, AREA_COVERS_SQL, fmt, out, "area covers")
    else:
        _write(run, ROUTE_COVERS_SQL, fmt, out, "route covers")


@export.command(name="tags")
@_FORMAT
@_OUT
@stage_options()
def tags(run: Run, fmt, out: Path):
    """One record per sighting: where it was seen, the model's class and probabilities."""
    _write(run, TAGS_SQL, fmt, out, "tags")


@export.command(name="folder")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A new or empty folder.")
@click.option("--split", is_flag=True, help="train/val/test sub-folders from the stored split.")
@click.option("--labels", type=click.Choice(LABEL_CHOICES), default="human", show_default=True,
              help="Class from the human label, the model, or the human label where there "
                   "is one and the model's class elsewhere.")
@click.option("--from", "source", type=click.Choice(sorted(PATH_COLUMN)), default="originals",
              show_default=True, help="Copy the original files or the model-ready JPEGs.")
@stage_options()
def folder(run: Run, out: Path, split: bool, labels: str, source: str):
    """Photos as DIR/[split/]class/sha256.ext, with DIR/provenance.csv."""
    open_configured_catalog(run.settings).close()
    with open_configured_catalog(run.settings, read_only=True) as catalog:
        result = export_folder(catalog, out, labels, split, source)
    run.console.done("photo folders exported", {
        "photos": result.photos, "by_class": dict(result.by_class),
        "left_out": dict(result.left_out), "provenance": str(result.provenance)},
        [f"torchvision.datasets.ImageFolder('{out / 'train' if split else out}')"])
