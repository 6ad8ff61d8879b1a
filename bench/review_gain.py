"""What labelling the review queue's first 100 real photos buys, against 100 random ones.

    python bench/review_gain.py                          # ../shared/real-photos, default recipe
    python bench/review_gain.py --image-size 128 --epochs 3 --labels 100

The model starts from the small sample site only: its crawled, labelled catalog (the
review bench's, ~/.cache/cragcat/bench-review-small/small-taught.duckdb, built when
missing) is copied, the real photos are imported into the
copy as a folder *without* their labels, and a model trained on the site's labels tags
them. A fixed held-out split of the real photos (by SHA-256) is never labelled. From the
rest, the first ``--labels`` photos of the review app's own queue (reads.queue: the
model's `other` first, then the smallest margin) or as many drawn at random get their
true labels through the catalog's label writer (write_labels, origin `review`, as the
app writes them); the model is retrained on the site plus those labels and the held-out
photos are tagged again. Figures per arm, on the held-out photos: coverage (share tagged
above the threshold, i.e. not `other`), accuracy (tag = true class; `other` counts
wrong), precision of the tags, top-1 accuracy, and the butt-shots among the labelled.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.review_speed import CACHE, TRAIN_SIZE, cragcat, site_catalog  # noqa: E402

REAL = ROOT.parent / "shared" / "real-photos"
CLASSES = ("glory", "butt", "topo")
HELD_OUT_SHARE = 0.4


def true_labels(folder: Path) -> dict[str, str]:
    """sha256 -> class, from the folder each real photo was sorted into."""
    found = {}
    for cls in CLASSES:
        for path in sorted((folder / cls).iterdir()):
            if path.is_file():
                found[hashlib.sha256(path.read_bytes()).hexdigest()] = cls
    return found


def held_out(sha256: str) -> bool:
    """The fixed held-out split: about HELD_OUT_SHARE of the photos, by their hash."""
    return int(sha256[:8], 16) / 0xFFFFFFFF < HELD_OUT_SHARE


def write_config(home: Path, args) -> Path:
    config = home / "gain.toml"
    lines = ["[train]", f'out = "{home / "models"}"']
    lines += [f"image_size = {args.image_size}"] if args.image_size else []
    lines += [f"epochs = {args.epochs}"] if args.epochs else []
    config.write_text("\n".join(lines) + "\n")
    return config


def catalog_copy(source: Path, target: Path, store: Path | None = None) -> Path:
    """A copy of ``source``; its store copied, or linked to ``store`` (read by train and
    tag-catalog only)."""
    shutil.copyfile(source, target)
    target_store = target.with_name(target.stem + "-store")
    if store is not None:
        target_store.symlink_to(store.resolve())
    else:
        shutil.copytree(source.with_name(source.stem + "-store"), target_store)
    return target


def latest_artifact(catalog: Path) -> str:
    from catalog import open_catalog
    with open_catalog(catalog, read_only=True) as opened:
        return opened.scalar("SELECT artifact_path FROM train_runs "
                             "WHERE status = 'finished' ORDER BY started_at DESC")


def remove(*paths: Path) -> None:
    """Leftovers of an earlier, interrupted run."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def base_catalog(home: Path, config: Path, real: Path, taught: Path) -> Path:
    """The small site's labelled catalog with the real photos imported (no labels), tagged
    by a model trained on the site only."""
    base = home / "base.duckdb"
    if (home / "base.tagged").is_file():
        return base
    remove(base, base.with_name("base-store"))
    catalog_copy(taught, base)
    cragcat("crawl", "--catalog", str(base), "--source", "folder", str(real), config=config)
    cragcat("train", "--catalog", str(base), config=config)
    cragcat("tag-catalog", "--catalog", str(base), "--model", latest_artifact(base),
            config=config)
    (home / "base.tagged").write_text(latest_artifact(base) + "\n")
    return base


def pick(base: Path, truth: dict[str, str], how: str, count: int, seed: int) -> list[str]:
    """The photos a reviewer labels: the app's queue order, or drawn at random."""
    from catalog import open_catalog
    from review.reads import queue
    pool = {sha for sha in truth if not held_out(sha)}
    if how == "random":
        return random.Random(seed).sample(sorted(pool), count)
    with open_catalog(base, read_only=True) as catalog:
        ordered = [row["sha256"] for row in queue(catalog, 100_000, [])]
    return [sha for sha in ordered if sha in pool][:count]


def give_labels(catalog_path: Path, labels: dict[str, str]) -> None:
    """The true labels, written as the review app writes a reviewer's keys."""
    from catalog import open_catalog
    from catalog.labels import write_labels
    with open_catalog(catalog_path) as catalog, catalog.transaction() as tx:
        write_labels(tx, labels, "review", "bench")


def scores(catalog_path: Path, truth: dict[str, str]) -> dict:
    """Coverage, accuracy, tag precision and top-1 on the held-out real photos."""
    from catalog import open_catalog
    held = {sha: cls for sha, cls in truth.items() if held_out(sha)}
    with open_catalog(catalog_path, read_only=True) as catalog:
        rows = catalog.query("SELECT sha256, predicted_class, probabilities FROM photo_tags "
                             "WHERE status = 'tagged' AND sha256 IN (SELECT unnest(?))",
                             [list(held)])
    tagged = [(sha, cls) for sha, cls, _ in rows if cls in CLASSES]
    top = [(sha, max(probs, key=probs.get)) for sha, _, probs in rows]
    right = sum(held[sha] == cls for sha, cls in tagged)
    return {"held_out": len(held), "scored": len(rows),
            "coverage": round(len(tagged) / len(held), 3),
            "accuracy": round(right / len(held), 3),
            "tag_precision": round(right / len(tagged), 3) if tagged else None,
            "top1": round(sum(held[sha] == cls for sha, cls in top) / len(held), 3),
            "butt_tagged_butt": sum(held[sha] == "butt" == cls for sha, cls in tagged),
            "butt_held_out": sum(cls == "butt" for cls in held.values())}


def arm(home: Path, base: Path, config: Path, truth: dict[str, str], how: str,
        args) -> dict:
    """Label ``args.labels`` photos chosen by ``how``, retrain, tag, score."""
    started, before = time.perf_counter(), os.times()
    chosen = pick(base, truth, how, args.labels, args.seed)
    target = home / f"{how}.duckdb"
    remove(target, target.with_name(f"{how}-store"))
    catalog_copy(base, target, store=base.with_name("base-store"))
    give_labels(target, {sha: truth[sha] for sha in chosen})
    cragcat("train", "--catalog", str(target), config=config)
    cragcat("tag-catalog", "--catalog", str(target), "--model", latest_artifact(target),
            config=config)
    after = os.times()
    labelled = [truth[sha] for sha in chosen]
    return {**scores(target, truth), "labelled": len(chosen),
            "labelled_by_class": {cls: labelled.count(cls) for cls in CLASSES},
            "wall_s": round(time.perf_counter() - started),
            "cpu_s": round(after.children_user + after.children_system
                           - before.children_user - before.children_system)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REAL, help="real photos in class folders")
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--image-size", type=int, help="train.image_size (default: config)")
    parser.add_argument("--epochs", type=int, help="train.epochs (default: config)")
    parser.add_argument("--seed", type=int, default=0, help="of the random arm")
    parser.add_argument("--home", type=Path, default=CACHE / "bench-review-gain")
    parser.add_argument("--taught", type=Path, help="a crawled catalog with the sample "
                        "site's labels (default: the review bench's small site)")
    args = parser.parse_args()
    if not (args.real / "glory").is_dir():
        sys.exit(f"no real photos at {args.real} (class folders glory/ butt/ topo/)")
    args.home.mkdir(parents=True, exist_ok=True)
    config = write_config(args.home, args)
    truth = true_labels(args.real)
    taught = args.taught or site_catalog(TRAIN_SIZE)
    base = base_catalog(args.home, config, args.real, taught)
    result = {"base": scores(base, truth)}
    for how in ("queue", "random"):
        result[how] = arm(args.home, base, config, truth, how, args)
    result.update(recipe={"image_size": args.image_size or "config",
                          "epochs": args.epochs or "config"},
                  load_average=[round(x, 2) for x in os.getloadavg()], cpus=os.cpu_count())
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
