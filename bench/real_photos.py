"""Real-photo benchmark: does cragcat's default recipe hold up on real climbing photos?

    python -m bench.real_photos            # leave-one-source-out, the headline (5 folds,
                                           # about 10 minutes each on 2 idle cores)
    python -m bench.real_photos --mode split   # the fixed split of the first real set
    python -m bench.real_photos --quick    # a smoke run of every step (a few minutes)

The headline, ``--mode loso``, is bench.real_loso: every real source held out in
turn, scored per source and overall. ``--mode split`` is the first table below.

1. Folder-import ../shared/real-photos (labels from its class folders) and the
   ``small`` sample site's photo files (labels from its labels.csv) into one
   fresh catalog; split the real photos with the trainer's split code first
   (stratified, near-duplicate clusters whole), then the site's.
2. Train with the default settings on (a) the real training split, (b) the
   sample site's, (c) both: each in its own copy of the catalog that holds only
   those labels (the trainer reads every label of its catalog).
3. Tag each copy with tag-catalog's code and score the verdicts read back from
   the ``photo_tags`` report: real validation, real test and site test splits.
4. Print one table, the real butt-shots one by one, and write a contact sheet
   of the real test photos per model (``WORK/sheet-NAME/index.html``).

The real photos are only read, never copied into the project; quick mode
copies a few per class into the work folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from bench.real_report import (BUTT_COLUMNS, COLUMNS, butt_rows, markdown_table, table_rows,
                               write_sheet)
from bench.real_scores import butt_report, glory_tagged_butts, read_verdicts, score_verdicts
from catalog import open_catalog
from cragcat.console import Console
from cragcat.settings import load_settings, registry
from crawler.folder import LABEL_ORIGIN as REAL_ORIGIN, import_folder
from crawler.options import CrawlOptions
from tagger.tagging import TagOptions, tag_catalog
from trainer.artifact import load_artifact
from trainer.labels import import_labels, labelled_photos
from trainer.run import train
from trainer.settings import TrainOptions, train_options
from trainer.splits import assign_splits

ROOT = Path(__file__).resolve().parent.parent
REAL_PHOTOS = ROOT.parent / "shared" / "real-photos"
WORK = Path.home() / ".cache" / "cragcat" / "bench-real-photos"
SITE_ORIGIN = "samplesite"
MASTER = "master.duckdb"
VARIANTS = {"a": ("real", [REAL_ORIGIN]), "b": ("site", [SITE_ORIGIN]),
            "c": ("real+site", [REAL_ORIGIN, SITE_ORIGIN])}
EVAL_SETS = {"real val": ("val", [REAL_ORIGIN]), "real test": ("test", [REAL_ORIGIN]),
             "site test": ("test", [SITE_ORIGIN])}


@dataclass
class BenchPlan:
    """What one benchmark run does."""

    work: Path
    real_dir: Path
    site_dir: Path | None
    config: TrainOptions
    variants: list[str]
    eval_sets: list[str]
    per_class: int = 0  # 0: every real photo; else this many per class (quick runs)
    sheets: bool = True
    reuse_models: bool = False  # score models already trained in WORK/models instead


def stage_real(real_dir: Path, work: Path, per_class: int) -> Path:
    """The folder to import: ``real_dir`` itself, or a spread sample of it in ``work``."""
    if not per_class:
        return real_dir
    staged = work / "real-sample"
    shutil.rmtree(staged, ignore_errors=True)
    for folder in sorted(p for p in real_dir.iterdir() if p.is_dir()):
        files = sorted(f for f in folder.iterdir() if f.is_file() and not f.name.startswith("."))
        step = max(1, len(files) // per_class)
        (staged / folder.name).mkdir(parents=True)
        for file in files[::step][:per_class]:
            shutil.copyfile(file, staged / folder.name / file.name)
    return staged


def build_master(plan: BenchPlan, console: Console) -> Path:
    """The catalog holding every photo, label and split (reused when already complete)."""
    path = plan.work / MASTER
    done = plan.work / "master.done"
    signature = json.dumps({"real": str(plan.real_dir), "per_class": plan.per_class,
                            "site": str(plan.site_dir), "split": plan.config.split,
                            "seed": plan.config.seed})
    if done.is_file() and done.read_text() == signature:
        return path
    for stale in (path, plan.work / "master-store"):
        shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(True)
    catalog = open_catalog(path)
    try:
        labelled = replace(CrawlOptions.from_settings(source="folder"),
                           labels_from_folders=True)
        tally = import_folder(catalog, stage_real(plan.real_dir, plan.work, plan.per_class),
                              labelled)
        console.info(f"real photos: {tally.figures()}")
        if plan.site_dir is not None:
            tally = import_folder(catalog, plan.site_dir / "www" / "media")
            labels = import_labels(catalog, plan.site_dir / "labels.csv",
                                   plan.config.classes, origin=SITE_ORIGIN)
            console.info(f"site photos: {tally.figures()}; labels added {labels.added}")
        split_real_first(catalog, plan.config)
    finally:
        catalog.close()
    done.write_text(signature)
    return path


def split_real_first(catalog, config: TrainOptions) -> None:
    """Deal the real photos' splits on their own, then the rest, with the trainer's code.

    Dealing the real set alone keeps its split stratified by its own class counts;
    the site's photos then fill their splits around it (stored splits never move).
    """
    photos, _ = labelled_photos(catalog, config.classes)
    real = {sha for (sha,) in catalog.query("SELECT sha256 FROM labels WHERE origin = ?",
                                            [REAL_ORIGIN])}
    assign_splits(catalog, [p for p in photos if p.sha256 in real], config.split,
                  config.seed)
    assign_splits(catalog, photos, config.split, config.seed)


def variant_catalog(plan: BenchPlan, name: str):
    """A copy of the master catalog that keeps only the variant's labels; returns
    (catalog, the label rows taken out so they can be put back for scoring)."""
    path = plan.work / f"model-{name}.duckdb"
    path.unlink(missing_ok=True)
    shutil.copyfile(plan.work / MASTER, path)
    catalog = open_catalog(path, store=plan.work / "master-store")
    kept = VARIANTS[name][1]
    removed = catalog.query("SELECT sha256, label, origin FROM labels WHERE origin <> ALL(?)",
                            [kept])
    with catalog.transaction() as tx:
        tx.execute("DELETE FROM labels WHERE origin <> ALL(?)", [kept])
    return catalog, removed


def trained(plan: BenchPlan, name: str, catalog, console: Console) -> dict:
    """Train variant ``name`` (or, with ``reuse_models``, read back the one trained before)."""
    out = plan.work / "models" / name
    if plan.reuse_models and (out / "model.safetensors").is_file():
        metrics = json.loads((out / "metrics.json").read_text())
        return {"artifact": str(out / "model.safetensors"), "epochs": metrics["epochs_run"],
                "best_epoch": metrics["best_epoch"], "reused": True}
    return train(catalog, plan.config, console, out)


def restore_labels(catalog, rows: list[tuple]) -> None:
    with catalog.transaction() as tx:
        for row in rows:
            tx.execute("INSERT INTO labels (sha256, label, origin) VALUES (?, ?, ?)", list(row))


def run_variant(plan: BenchPlan, name: str, console: Console) -> dict:
    """Train variant ``name``, tag its catalog, score it on the evaluation sets."""
    catalog, removed = variant_catalog(plan, name)
    try:
        started = time.perf_counter()
        figures = trained(plan, name, catalog, console)
        seconds = time.perf_counter() - started
        restore_labels(catalog, removed)
        artifact = load_artifact(figures["artifact"])
        tag_catalog(catalog, artifact, TagOptions.from_settings(retag=True, backend="channels_last",
                                                   workers=0))
        scores = {}
        for set_name in plan.eval_sets:
            split, origins = EVAL_SETS[set_name]
            verdicts = read_verdicts(catalog, split, origins)
            if not verdicts:
                continue
            scores[set_name] = score_verdicts(verdicts, plan.config.classes)
        butts = butt_report(catalog, [REAL_ORIGIN])
        if plan.sheets and "real test" in scores:
            write_sheet(catalog.store_dir, scores["real test"].verdicts,
                        plan.work / f"sheet-{name}", f"model ({name}): {VARIANTS[name][0]}")
    finally:
        catalog.close()
    return {"name": name, "trained_on": VARIANTS[name][0], "model_id": artifact.model_id,
            "threshold": artifact.threshold,
            "class_thresholds": artifact.meta.get("class_thresholds") or {},
            "train_seconds": None if figures.get("reused") else round(seconds, 1),
            "epochs": figures["epochs"], "best_epoch": figures["best_epoch"],
            "scores": {k: v.as_dict() for k, v in scores.items()}, "butts": butts,
            "glory_tagged_butts": glory_tagged_butts(butts)}


def run_benchmark(plan: BenchPlan, console: Console, jobs: int = 1,
                  argv: list[str] | None = None) -> list[dict]:
    """Every variant of the plan, one after another or (``jobs`` > 1) in child processes."""
    plan.work.mkdir(parents=True, exist_ok=True)
    build_master(plan, console)
    if jobs > 1:
        run_children(plan, jobs, argv or [])
    else:
        for name in plan.variants:
            result = run_variant(plan, name, console)
            (plan.work / f"results-{name}.json").write_text(json.dumps(result, indent=2))
    results = [json.loads((plan.work / f"results-{name}.json").read_text())
               for name in plan.variants]
    (plan.work / "results.json").write_text(json.dumps(
        {"config": plan.config.as_dict(), "results": results}, indent=2), encoding="utf-8")
    return results


def run_children(plan: BenchPlan, jobs: int, argv: list[str]) -> None:
    """One process per variant, ``jobs`` at a time (one torch thread each by default)."""
    pending = list(plan.variants)
    running: list[subprocess.Popen] = []
    while pending or running:
        while pending and len(running) < jobs:
            name = pending.pop(0)
            log = open(plan.work / f"log-{name}.txt", "w")
            running.append(subprocess.Popen(
                [sys.executable, "-m", "bench.real_photos", *argv, "--models", name,
                 "--jobs", "1"], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT))
        running[0].wait()
        finished = running.pop(0)
        if finished.returncode:
            raise SystemExit(f"a variant failed (exit {finished.returncode}); "
                             f"see {plan.work}/log-*.txt")


def report_text(results: list[dict], classes: list[str]) -> str:
    parts = [markdown_table(COLUMNS, table_rows(results, classes)), "",
             "Real butt-shots, one by one (tagged = stored verdict at the model's threshold):",
             "", markdown_table(BUTT_COLUMNS, butt_rows(results)), ""]
    for model in results:
        risky = model["glory_tagged_butts"]
        took = ("trained earlier" if model["train_seconds"] is None
                else f"trained in {model['train_seconds']}s")
        parts.append(f"model ({model['name']}): {took}, "
                     f"{model['epochs']} epochs (best {model['best_epoch']}); held-out butt-shots "
                     f"tagged glory above the threshold: {len(risky)}")
    base = next((m for m in results if m["name"] == "a"), None)
    for model in results:
        if base and model is not base and "real test" in model["scores"]:
            ratio = model["scores"]["real test"]["accuracy"] / base["scores"]["real test"][
                "accuracy"]
            parts.append(f"real test accuracy ({model['name']}) / ({base['name']}): {ratio:.3f}")
    return "\n".join(parts)


# -- command line -------------------------------------------------------------

def parse_overrides(pairs: list[str]) -> dict:
    """``train.key=value`` pairs (TOML values; bare words are strings) -> settings."""
    overrides = {}
    for pair in pairs:
        key, _, text = pair.partition("=")
        key = key if key.startswith("train.") else f"train.{key}"
        registry()[key]  # unknown keys fail here, before any work
        try:
            overrides[key] = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            overrides[key] = text
    return overrides


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.real_photos",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", default="loso", choices=("loso", "split"),
                        help="loso: grouped k-fold over real sources (headline); split: "
                             "the first real set's fixed train/val/test split")
    parser.add_argument("--folds", type=int, default=5, help="loso: groups of sources")
    parser.add_argument("--only-folds", default="",
                        help="loso: run just these folds (e.g. 0,2); the rest are read back")
    parser.add_argument("--work", type=Path, default=None,
                        help="work folder, outside the project so no real photo lands in "
                             "it: catalogs, models, sheets, results.json")
    parser.add_argument("--real", type=Path, default=REAL_PHOTOS)
    parser.add_argument("--site-size", default="small", help="sample site size (none: skip)")
    parser.add_argument("--site-cache", type=Path, default=None,
                        help="sample-site cache folder (default: sample_site.cache_dir)")
    parser.add_argument("--models", default="a,b,c", help="which of a, b, c to train")
    parser.add_argument("--eval", default="real val,real test,site test",
                        help="evaluation sets (while tuning: 'real val' only)")
    parser.add_argument("--per-class", type=int, default=0,
                        help="real photos per class (0: all of them)")
    parser.add_argument("--quick", action="store_true",
                        help="20 real photos per class, the tiny site, 2 epochs at 96 px")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a train setting, e.g. --set epochs=8")
    parser.add_argument("--fresh", action="store_true", help="rebuild the master catalog")
    parser.add_argument("--reuse-models", action="store_true",
                        help="score the models already in WORK/models (no training)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="variants trained at once, each in its own process")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; 1 is fastest on a busy 2-core machine")
    return parser.parse_args(argv)


def plan_from(args: argparse.Namespace) -> BenchPlan:
    from samplesite.build import build_site

    overrides = {"train.workers": 0}
    if args.quick:
        overrides.update({"train.epochs": 2, "train.image_size": 96})
        args.per_class = args.per_class or 20
        args.site_size = "tiny" if args.site_size == "small" else args.site_size
    overrides.update(parse_overrides(args.set))
    config = train_options(load_settings(None, overrides))
    if not args.real.is_dir():
        sys.exit(f"{args.real}: the real photos are absent; nothing to measure")
    if args.fresh and args.work.is_dir():
        shutil.rmtree(args.work)
    site = None if args.site_size == "none" else build_site(args.site_size, 0, args.site_cache)
    return BenchPlan(work=args.work, real_dir=args.real, site_dir=site, config=config,
                     variants=args.models.split(","),
                     eval_sets=[s.strip() for s in args.eval.split(",")],
                     per_class=args.per_class, reuse_models=args.reuse_models)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    torch.set_num_threads(args.threads)
    if args.mode == "loso":
        from bench.real_loso import main_loso
        main_loso(args)
        return
    args.work = args.work or WORK
    plan = plan_from(args)
    console = Console()
    child_argv = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--fresh"]
    results = run_benchmark(plan, console, args.jobs, child_argv)
    print(report_text(results, plan.config.classes))


if __name__ == "__main__":
    main()
