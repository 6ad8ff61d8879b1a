"""cragcat as a Python library: each stage a function that returns plain results.

    from cragcat import api

    api.crawl("crag.duckdb", start="http://127.0.0.1:8000/", profile="sample")
    api.import_labels("crag.duckdb", "labels.csv")
    model = api.train("crag.duckdb", epochs=3)
    api.tag("crag.duckdb")
    api.report("crag.duckdb", "summary")          # -> [{"sources": 1, ...}]
    api.predict(["photo.jpg"], model["artifact"])  # -> [{"predicted": "glory", ...}]

Every function takes the catalog file's path. Settings resolve as for the
commands: the registry's defaults < ``config`` (a config.toml; default
./config.toml when present) < the keyword arguments. Results are dicts and
lists of dicts; progress narration is off, each stage prints one line of figures.
This module stands on the top floor: it is the one place besides cragcat.cli
that drives every stage.
"""

from __future__ import annotations

import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Iterable

from catalog import Catalog
from catalog import open_catalog as _open_catalog
from cragcat.console import Console
from cragcat.settings import load_settings

PathLike = str | os.PathLike


def open_catalog(path: PathLike, read_only: bool = False) -> Catalog:
    """The catalog at ``path`` (created and migrated when new); use it in a ``with``."""
    return _open_catalog(path, read_only=read_only)


def crawl(catalog: PathLike, start: str | list[str], profile: str = "sample",
          max_images: int | None = None, config: PathLike | None = None) -> dict[str, Any]:
    """Crawl an html site from ``start`` with the site profile ``profile``."""
    from crawler.harvest import harvest
    from crawler.options import CrawlOptions
    from crawler.profile import load_profile

    settings = load_settings(config, {"crawl.max_images": max_images})
    starts = [start] if isinstance(start, str) else list(start)
    options = CrawlOptions.from_settings(settings, source="html",
                                         profile=load_profile(settings, profile, starts))
    with _open_catalog(catalog) as opened:
        return harvest(opened, options, _console())


def import_folder(catalog: PathLike, folder: PathLike, labels_from_folders: bool = False,
                  config: PathLike | None = None) -> dict[str, Any]:
    """Bring every image under ``folder`` in; sub-folder names as labels when asked."""
    from crawler.folder import import_folder as folder_import
    from crawler.options import CrawlOptions

    options = replace(CrawlOptions.from_settings(load_settings(config), source="folder"),
                      labels_from_folders=labels_from_folders)
    with _open_catalog(catalog) as opened:
        return folder_import(opened, folder, options).figures()


def import_labels(catalog: PathLike, csv_path: PathLike,
                  config: PathLike | None = None) -> dict[str, Any]:
    """Human labels from a CSV (sha256 or url, label); refused rows come back with reasons."""
    from trainer.labels import import_labels as labels_import

    classes = load_settings(config)["train.classes"]
    with _open_catalog(catalog) as opened:
        result = labels_import(opened, Path(csv_path), classes)
    return {"added": result.added, "changed": result.changed, "unchanged": result.unchanged,
            "refused": [dict(zip(("line", "value", "reason"), r)) for r in result.refused]}


def train(catalog: PathLike, out: PathLike = "models", epochs: int | None = None,
          backbone: str | None = None, image_size: int | None = None,
          config: PathLike | None = None, head: str | None = None) -> dict[str, Any]:
    """Train a classifier on the labelled photos; the figures include ``artifact``.
    ``head`` is ``train.head``: finetune, or probe (a head on frozen features)."""
    from trainer.run import train as run_training
    from trainer.settings import train_options

    settings = load_settings(config, {"train.out": str(out), "train.epochs": epochs,
                                  "train.backbone": backbone, "train.image_size": image_size,
                                  "train.head": head})
    with _open_catalog(catalog) as opened:
        return run_training(opened, train_options(settings), _console())


def tag(catalog: PathLike, model: PathLike | None = None,
        config: PathLike | None = None) -> dict[str, Any]:
    """Tag every photo (default model: the catalog's latest) and choose route covers."""
    from tagger.run import tag_and_cover
    from tagger.tagging import TagOptions

    settings = load_settings(config)
    with _open_catalog(catalog) as opened:
        return tag_and_cover(opened, str(model) if model else None,
                             TagOptions.from_settings(settings), _console())


def report(catalog: PathLike, name: str) -> list[dict[str, Any]]:
    """The rows of the named report (``api.report(path, "summary")``; see `report --list`)."""
    from catalog.kept import current_kept_table
    from catalog.reports import available_reports, report_query
    from cragcat.errors import UsageError

    reports = available_reports()
    if name not in reports:
        raise UsageError(f"no report named '{name}'; known: {', '.join(reports)}")
    _open_catalog(catalog).close()  # a new file is created and migrated first
    with _open_catalog(catalog, read_only=True) as opened:
        kept = current_kept_table(opened.con, reports[name])
        return opened.query_dicts(report_query(reports[name], kept=kept))


def predict(paths: Iterable[PathLike], model: PathLike) -> list[dict[str, Any]]:
    """Class name and probabilities per photo file, by the artifact at ``model``."""
    from tagger.predict import predict_files
    from trainer.artifact import load_artifact

    return [asdict(p) for p in predict_files(load_artifact(model), paths)]


def _console() -> Console:
    return Console(quiet=True)
