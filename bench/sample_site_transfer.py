"""Do the sample site's photos teach what real climbing photos look like?

    python -m bench.sample_site_transfer [--size small] [--site-cache DIR]

A minute-long stand-in for training model (b) of ``bench.real_photos``: fit a
probe on frozen EfficientNet-Lite0 ImageNet features of the site's labelled
photos and score it on the real validation split. The probe is the nearest
class mean on standardised features (deterministic); the logistic probe of
``bench.sample_site_learnability`` is printed too, as the mean of five
initialisations, because on real photos a single fit moves by 10-30 points
with its seed. The features are
taken exactly as the trainer sees a photo: the crawler's derivative (shorter
side 256, JPEG 90), then the trainer's input (192 px, bicubic, centre crop,
mean = std = 0.5).

Printed side by side, each scored on the real validation split:

- ``site -> real``: the probe fitted on the site (what the generator teaches);
- ``colour``: the same, on an 8x8x8 colour histogram (the baseline);
- ``real -> real``: fitted on the real training split (the ceiling).

``site -> real`` is also scored on the real training split (the probe never
saw it; 462 photos rather than 57, so a steadier figure). The real test split
is never read. The real photos are imported and split by ``bench.real_photos``'s
own master catalog (real photos only, trainer's split code, seed 0); features
are cached in the work folder per site folder (its name carries the generator
version) and per real master catalog.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from bench.real_photos import REAL_PHOTOS, BenchPlan, build_master
from bench.sample_site_learnability import colour_histogram, fit_probe, labelled_images
from catalog import open_catalog
from cragcat.console import Console
from cragcat.settings import load_settings
from crawler.folder import LABEL_ORIGIN as REAL_ORIGIN
from crawler.ingest import examine
from trainer.artifact import fit_photo, normalise
from trainer.backbones import create_model
from trainer.settings import train_options

WORK = Path.home() / ".cache" / "cragcat" / "bench-site-transfer"
CLASSES = ["glory", "butt", "topo"]
BACKBONE = "efficientnet_lite0"
MEAN = STD = (0.5, 0.5, 0.5)

# One labelled photo: its class index, its model-ready derivative as a PIL image.
Photo = tuple[int, Image.Image]


def real_photos(work: Path, config: dict, console: Console) -> dict[str, list[tuple[str, int, Path]]]:
    """The real photos by split: (sha256, class index, derivative path), test left out."""
    plan = BenchPlan(work=work / "real", real_dir=REAL_PHOTOS, site_dir=None, config=config,
                     variants=[], eval_sets=[])
    plan.work.mkdir(parents=True, exist_ok=True)
    catalog = open_catalog(build_master(plan, console), read_only=True)
    try:
        rows = catalog.query("""SELECT l.sha256, l.label, s.split, i.derivative_path
                                FROM labels l JOIN splits s USING (sha256)
                                JOIN images i USING (sha256)
                                WHERE l.origin = ? AND s.split <> 'test'
                                ORDER BY l.sha256""", [REAL_ORIGIN])
        store = catalog.store_dir
    finally:
        catalog.close()
    by_split: dict[str, list] = {"train": [], "val": []}
    for sha, label, split, derivative in rows:
        by_split[split].append((sha, CLASSES.index(label), store / derivative))
    return by_split


def site_derivative(site_dir: Path, photo: dict) -> Image.Image:
    """The photo as the crawler would store it (EXIF applied, RGB, shorter side 256)."""
    data = (site_dir / "www" / photo["path"].lstrip("/")).read_bytes()
    return Image.open(io.BytesIO(examine(data).derivative)).convert("RGB")


def features(images, model, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(frozen CNN features, colour histograms) of PIL images, 32 at a time."""
    cnn, colour = [], []
    with torch.inference_mode():
        batch = []
        for k, image in enumerate(images):
            fitted = fit_photo(image, size, "bicubic")
            colour.append(colour_histogram(fitted))
            batch.append(torch.from_numpy(np.asarray(fitted).copy()).permute(2, 0, 1))
            if len(batch) == 32:
                cnn.append(model(normalise(torch.stack(batch), MEAN, STD)).numpy())
                batch = []
        if batch:
            cnn.append(model(normalise(torch.stack(batch), MEAN, STD)).numpy())
    return np.concatenate(cnn), np.asarray(colour, np.float32)


def cached_features(cache: Path, load_images, model, size: int):
    """Features from ``cache`` (an .npz) or computed and written there."""
    if cache.is_file():
        data = np.load(cache)
        return data["cnn"], data["colour"], data["y"]
    labels, images = load_images()
    cnn, colour = features(images, model, size)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, cnn=cnn, colour=colour, y=np.asarray(labels))
    return cnn, colour, np.asarray(labels)


def load_real(rows):
    def load():
        return [y for _, y, _ in rows], (Image.open(path).convert("RGB") for _, _, path in rows)
    return load


def load_site(site_dir: Path):
    def load():
        photos = labelled_images(site_dir)
        return ([CLASSES.index(p["class"]) for p in photos],
                (site_derivative(site_dir, p) for p in photos))
    return load


def centroid_probe(train_x, train_y, classes: int):
    """Nearest class mean on standardised features: no fitting noise, so two generators
    compare on what they teach rather than on where an optimiser happened to stop."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    y = np.asarray(train_y)
    centres = np.stack([((train_x[y == k] - mean) / std).mean(0) for k in range(classes)])

    def predict(x) -> np.ndarray:
        z = (x - mean) / std
        return np.argmin(((z[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    return predict


def logistic_runs(train_x, train_y, score_x, score_y, runs: int = 5) -> dict:
    """The logistic probe from ``runs`` initialisations: its scores move by 10-30 points
    with the seed on a shifted domain, so the mean and the range are what to read."""
    results = []
    for seed in range(runs):
        torch.manual_seed(seed)
        results.append(scores(fit_probe(train_x, train_y, len(CLASSES))(score_x), score_y))
    mean = {k: float(np.mean([r[k] for r in results])) for k in ("accuracy", "balanced")}
    mean["recall"] = list(np.mean([r["recall"] for r in results], axis=0))
    mean["confusion"] = [f"accuracy {min(r['accuracy'] for r in results):.3f}-"
                         f"{max(r['accuracy'] for r in results):.3f} over {runs} seeds"]
    return {**mean, "n": len(score_y)}


def scores(predicted: np.ndarray, truth: np.ndarray) -> dict:
    confusion = np.zeros((len(CLASSES), len(CLASSES)), int)
    for t, p in zip(truth, predicted):
        confusion[t, p] += 1
    recall = [confusion[k, k] / max(1, confusion[k].sum()) for k in range(len(CLASSES))]
    return {"accuracy": float((predicted == truth).mean()), "recall": recall,
            "balanced": float(np.mean(recall)), "confusion": confusion.tolist(), "n": len(truth)}


def row(name: str, s: dict) -> str:
    recall = "/".join(f"{r:.2f}" for r in s["recall"])
    confusion = " ".join(str(r).replace(",", "").strip("'") for r in s["confusion"])
    return (f"| {name} | {s['n']} | {s['accuracy']:.3f} | {s['balanced']:.3f} | {recall} "
            f"| {confusion} |")


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sample_site_transfer",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="small", help="sample site size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--site-cache", type=Path, default=None,
                        help="sample-site cache folder (default: sample_site.cache_dir)")
    parser.add_argument("--work", type=Path, default=WORK,
                        help="work folder outside the project: the real master catalog, features")
    parser.add_argument("--image-size", type=int, default=None,
                        help="model input size (default: train.image_size)")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = arguments(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(0)
    from samplesite.build import build_site

    console = Console()
    config = train_options(load_settings(None, {}))
    size = args.image_size or config.image_size
    started = time.perf_counter()
    site_dir = build_site(args.size, args.seed, args.site_cache)
    built = time.perf_counter() - started
    real = real_photos(args.work, config, console)
    model = create_model(BACKBONE, 0).eval()
    where = hashlib.sha256(str(site_dir.resolve()).encode()).hexdigest()[:8]
    feats = {name: cached_features(args.work / f"real-{name}-{size}.npz", load_real(rows), model,
                                   size) for name, rows in real.items()}
    started = time.perf_counter()
    feats["site"] = cached_features(args.work / f"site-{site_dir.name}-{where}-{size}.npz",
                                    load_site(site_dir), model, size)
    extracted = time.perf_counter() - started
    table = []
    for label, fit_on, kind, score_on in [("site -> real val", "site", 0, "val"),
                                          ("site -> real train", "site", 0, "train"),
                                          ("colour: site -> real val", "site", 1, "val"),
                                          ("real train -> real val (ceiling)", "train", 0, "val")]:
        predict = centroid_probe(feats[fit_on][kind], feats[fit_on][2], len(CLASSES))
        table.append(row(label, scores(predict(feats[score_on][kind]), feats[score_on][2])))
    for label, fit_on, score_on in [("logistic: site -> real val", "site", "val"),
                                    ("logistic: site -> real train", "site", "train"),
                                    ("logistic: real train -> real val", "train", "val")]:
        table.append(row(label, logistic_runs(feats[fit_on][0], feats[fit_on][2],
                                              feats[score_on][0], feats[score_on][2])))
    print(f"site {site_dir} ({len(feats['site'][2])} labelled photos; build {built:.0f} s, "
          f"features {extracted:.0f} s); input {size} px")
    print("| probe | n | accuracy | balanced | recall glory/butt/topo | confusion (rows true g/b/t) |")
    print("|---|---|---|---|---|---|")
    print("\n".join(table))


if __name__ == "__main__":
    main(sys.argv[1:])
