"""Leave-one-source-out: does a recipe hold up on real photos from a source it never saw?

The headline mode of ``python -m bench.real_photos``. Every real photo of both shared
sets (bench.real_sources) is grouped by the repository it came from; the sources are
dealt into ``--folds`` groups of about equal size (grouped k-fold, so every source is
held out exactly once and never split). For each fold: a copy of the master catalog
without the held-out photos' labels, trained with the recipe on the other sources
plus the sample site, tagged with tag-catalog's code; the held-out photos' verdicts
are read back from ``photo_tags``. The out-of-fold verdicts of every fold together
are scored per source and overall (bench.real_loso_report), and dealt onto routes
to count the butt-shots the cover rule would choose (bench.real_covers).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bench.real_sources import (REAL_PHOTOS_2, RealPhoto, real_photos, source_folds,
                                source_of_sha, stage_by_source)
from catalog import open_catalog
from crawler.folder import LABEL_ORIGIN as REAL_ORIGIN, import_folder
from crawler.options import CrawlOptions
from tagger.tagging import TagOptions, tag_catalog
from trainer.artifact import load_artifact
from trainer.labels import import_labels, labelled_photos
from trainer.run import train
from trainer.settings import TrainOptions
from trainer.splits import assign_splits

MASTER = "master.duckdb"
SITE_ORIGIN = "samplesite"
# The held-out photos' verdicts (read from photo_tags, which holds one row per photo).
HELD_OUT_ROWS = """
SELECT p.sha256, p.human_label, p.predicted_class, p.confidence, p.probabilities,
       i.width, i.height
FROM photo_tags p JOIN images i USING (sha256)
WHERE p.sha256 = ANY(?) AND p.status = 'tagged'
ORDER BY p.sha256
"""


@dataclass
class LosoPlan:
    work: Path
    config: TrainOptions
    site_dir: Path | None
    folds: int = 5
    only_folds: list[int] | None = None  # run just these folds (the rest read back)
    second_set: bool = True


def build_master(plan: LosoPlan, photos_folders: list[Path], console) -> Path:
    """One catalog with every real photo (labels from folders), the site's photos and
    labels, and stored splits (the trainer's code; real photos dealt first)."""
    path, done = plan.work / MASTER, plan.work / "master.done"
    signature = json.dumps({"folders": [str(f) for f in photos_folders],
                            "site": str(plan.site_dir), "seed": plan.config.seed})
    if done.is_file() and done.read_text() == signature:
        return path
    for stale in (path, plan.work / "master-store"):
        shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(True)
    catalog = open_catalog(path)
    try:
        labelled = replace(CrawlOptions.from_settings(source="folder"), labels_from_folders=True)
        for folder in photos_folders:
            console.info(f"{folder}: {import_folder(catalog, folder, labelled).figures()}")
        if plan.site_dir is not None:
            import_folder(catalog, plan.site_dir / "www" / "media")
            import_labels(catalog, plan.site_dir / "labels.csv", plan.config.classes,
                          origin=SITE_ORIGIN)
        photos, _ = labelled_photos(catalog, plan.config.classes)
        real = {s for (s,) in catalog.query("SELECT sha256 FROM labels WHERE origin = ?",
                                            [REAL_ORIGIN])}
        assign_splits(catalog, [p for p in photos if p.sha256 in real], plan.config.split,
                      plan.config.seed)
        assign_splits(catalog, photos, plan.config.split, plan.config.seed)
    finally:
        catalog.close()
    done.write_text(signature)
    return path


def fold_catalog(plan: LosoPlan, fold: int, held_out: list[str]):
    """A copy of the master without the held-out photos' labels; returns it and the
    removed label rows (put back before tagging so photo_tags shows the truth)."""
    path = plan.work / f"fold-{fold}.duckdb"
    path.unlink(missing_ok=True)
    shutil.copyfile(plan.work / MASTER, path)
    catalog = open_catalog(path, store=plan.work / "master-store")
    removed = catalog.query("SELECT sha256, label, origin FROM labels WHERE sha256 = ANY(?)",
                            [held_out])
    with catalog.transaction() as tx:
        tx.execute("DELETE FROM labels WHERE sha256 = ANY(?)", [held_out])
    return catalog, removed


def held_out_verdicts(catalog, sources: dict[str, str], held_out: list[str]) -> list[dict]:
    return [{"sha256": sha, "source": sources[sha], "truth": truth, "tagged": tagged,
             "confidence": float(conf),
             "probabilities": {k: float(v) for k, v in dict(probs).items()},
             "width": width, "height": height}
            for sha, truth, tagged, conf, probs, width, height
            in catalog.query(HELD_OUT_ROWS, [held_out])]


def run_fold(plan: LosoPlan, fold: int, fold_sources: list[str], sources: dict[str, str],
             console) -> dict:
    """Train without ``fold_sources``, tag, return the held-out photos' verdicts."""
    held_out = sorted(sha for sha, source in sources.items() if source in fold_sources)
    catalog, removed = fold_catalog(plan, fold, held_out)
    try:
        started = time.perf_counter()
        figures = train(catalog, plan.config, console, plan.work / "models" / str(fold))
        seconds = time.perf_counter() - started
        with catalog.transaction() as tx:
            for row in removed:
                tx.execute("INSERT INTO labels (sha256, label, origin) VALUES (?, ?, ?)",
                           list(row))
        artifact = load_artifact(figures["artifact"])
        tag_catalog(catalog, artifact, TagOptions.from_settings(retag=True, backend="channels_last",
                                                   workers=0))
        verdicts = held_out_verdicts(catalog, sources, held_out)
    finally:
        catalog.close()
    return {"fold": fold, "sources": fold_sources, "train_seconds": round(seconds, 1),
            "epochs": figures["epochs"], "best_epoch": figures["best_epoch"],
            "threshold": artifact.threshold,
            "class_thresholds": artifact.meta.get("class_thresholds") or {},
            "verdicts": verdicts}


def run_loso(plan: LosoPlan, console) -> dict:
    """Every fold (or ``only_folds``; the others are read back from earlier runs)."""
    plan.work.mkdir(parents=True, exist_ok=True)
    _, photos = real_photos(plan.work, second=REAL_PHOTOS_2 if plan.second_set else None)
    folders, photos = stage_by_source(photos, plan.work)  # the catalog knows each source
    build_master(plan, folders, console)
    catalog = open_catalog(plan.work / MASTER, read_only=True, store=plan.work / "master-store")
    try:
        sources = source_of_sha(catalog, photos)
    finally:
        catalog.close()
    folds = fold_plan(photos, sources, plan.folds)
    results = []
    for i, fold_sources in enumerate(folds):
        out = plan.work / f"fold-{i}.json"
        if plan.only_folds is None or i in plan.only_folds:
            console.info(f"fold {i}: holding out {', '.join(fold_sources)}")
            out.write_text(json.dumps(run_fold(plan, i, fold_sources, sources, console),
                                      indent=1))
        if out.is_file():
            results.append(json.loads(out.read_text()))
    summary = {"config": plan.config.as_dict(), "folds": results}
    (plan.work / "loso.json").write_text(json.dumps(summary, indent=1))
    return summary


def fold_plan(photos: list[RealPhoto], sources: dict[str, str], folds: int) -> list[list[str]]:
    """Sources dealt into folds by their imported photo counts."""
    sizes: dict[str, int] = {}
    for source in sources.values():
        sizes[source] = sizes.get(source, 0) + 1
    return source_folds(sizes, folds)


def main_loso(args) -> None:
    """``python -m bench.real_photos --mode loso``: run the folds, print the tables."""
    from bench.real_loso_report import report_text
    from bench.real_photos import parse_overrides
    from cragcat.console import Console
    from cragcat.settings import load_settings
    from samplesite.build import build_site
    from trainer.settings import train_options

    overrides = {"train.workers": 0}
    if args.quick:
        overrides.update({"train.epochs": 1, "train.image_size": 64})
    overrides.update(parse_overrides(args.set))
    config = train_options(load_settings(None, overrides))
    site_size = "tiny" if args.quick and args.site_size == "small" else args.site_size
    site = None if site_size == "none" else build_site(site_size, 0, args.site_cache)
    work = args.work or Path.home() / ".cache" / "cragcat" / "bench-real-loso"
    if args.fresh and work.is_dir():
        shutil.rmtree(work)
    only = [int(f) for f in args.only_folds.split(",") if f] or None
    plan = LosoPlan(work, config, site, args.folds, only)
    summary = run_loso(plan, Console())
    print(report_text(summary, list(config.classes)))
