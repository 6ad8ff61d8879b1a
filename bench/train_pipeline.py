"""Training input pipeline against the naive loop, and the artifact's size, on CPU.

    python bench/train_pipeline.py                    # small sample site, everything
    python bench/train_pipeline.py --skip-export      # the pipeline comparison only
    python bench/train_pipeline.py --artifact A --catalog C   # measure an existing model

1. Input pipeline, same photos, same script. The baseline is the naive loop:
   torchvision ImageFolder over the ORIGINAL files, PIL-decoding and
   transforming every photo every epoch (RandomResizedCrop, flip, ColorJitter,
   ToTensor, Normalize) in DataLoader workers. cragcat decodes each model-ready
   derivative once into uint8 tensors and augments whole batches of tensors.
   Printed: seconds per epoch (cragcat's first epoch includes the one-off
   decode), images per second, and the ratios.
2. Artifact: trains the default model on the site's labels (or takes
   --artifact/--catalog), then writes fp16 and int8 copies and prints sizes
   and test accuracies next to the original's. Targets: artifact <= 20 MB,
   int8 <= 6 MB within 1 point of the original's test accuracy.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from catalog import open_catalog  # noqa: E402
from crawler.folder import import_folder  # noqa: E402
from crawler.options import CrawlOptions  # noqa: E402
from samplesite import build_site  # noqa: E402
from trainer.architecture import preprocessing, resolve  # noqa: E402
from trainer.data import Augment, PhotoBatches, augment_batch  # noqa: E402
from trainer.labels import labelled_photos  # noqa: E402
from cragcat.cores import spare_cores  # noqa: E402

CLASSES = ["glory", "butt", "topo"]


def prepare_photos(site: Path, work: Path, limit: int) -> Path:
    """Originals in ImageFolder layout (photos/<label>/<sha>.<ext>) and a catalog of them."""
    folder = work / "photos"
    if (work / "catalog.duckdb").is_file():
        return work / "catalog.duckdb"
    manifest = json.loads((site / "manifest.json").read_text())
    paths = {p["sha256"]: p["path"] for p in manifest["photos"]}
    with open(site / "labels.csv", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["sha256"])
    for row in rows[:limit] if limit else rows:
        source = site / "www" / paths[row["sha256"]].lstrip("/")
        target = folder / row["label"] / f"{row['sha256']}{source.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    with open_catalog(work / "catalog.duckdb") as catalog:
        import_folder(catalog, folder, replace(CrawlOptions.from_settings(source="folder"),
                                               labels_from_folders=True))
    return work / "catalog.duckdb"


def naive_epochs(folder: Path, size: int, epochs: int, workers: int, batch: int,
                 aug: Augment, pre) -> list[float]:
    from torchvision import datasets, transforms as T

    mode = T.InterpolationMode.BICUBIC if pre.interpolation == "bicubic" else \
        T.InterpolationMode.BILINEAR
    jitter = aug.color_jitter
    transform = T.Compose([T.RandomResizedCrop(size, scale=(aug.crop_scale, 1.0),
                                               interpolation=mode),
                           T.RandomHorizontalFlip(), T.ColorJitter(jitter, jitter, jitter),
                           T.ToTensor(), T.Normalize(pre.mean, pre.std)])
    dataset = datasets.ImageFolder(str(folder), transform=transform)
    loader = DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=workers)
    times = []
    for _ in range(epochs):
        started = time.perf_counter()
        for images, _ in loader:
            images.sum()  # touch the batch as a model would
        times.append(time.perf_counter() - started)
    return times


def cragcat_epochs(catalog_path: Path, size: int, epochs: int, workers: int, batch: int,
                   aug: Augment, pre, cached: bool) -> list[float]:
    with open_catalog(catalog_path) as catalog:
        photos, _ = labelled_photos(catalog, CLASSES)
    started = time.perf_counter()
    batches = PhotoBatches(photos, {c: i for i, c in enumerate(CLASSES)}, size,
                           pre.interpolation, batch, torch.device("cpu"), workers, cached,
                           balanced=True, shuffle_seed=0)
    generator = torch.Generator().manual_seed(0)
    times = []
    for _ in range(epochs):
        for pixels, _, _ in batches:
            augment_batch(pixels, aug, generator, pre.mean, pre.std).sum()
        times.append(time.perf_counter() - started)
        started = time.perf_counter()
    return times


def pipeline_section(args, catalog_path: Path) -> dict:
    pre = preprocessing(resolve("efficientnet_lite0"))
    aug = Augment(True, 0.1, 0.7)
    count = sum(1 for _ in (args.work / "photos").rglob("*.*"))
    common = (args.image_size, args.epochs, args.workers, args.batch_size, aug, pre)
    naive = naive_epochs(args.work / "photos", *common)
    cached = cragcat_epochs(catalog_path, *common, cached=True)
    streamed = cragcat_epochs(catalog_path, *common, cached=False)
    steady = sum(cached[1:]) / max(1, len(cached) - 1)
    naive_mean = sum(naive) / len(naive)
    print(f"\n== input pipeline: {count} photos, {args.image_size} px, batch {args.batch_size}, "
          f"{args.workers} workers, {torch.get_num_threads()} threads, {args.epochs} epochs")
    print(f"naive ImageFolder (decode original every epoch): {naive_mean:.2f} s/epoch "
          f"({count / naive_mean:.0f} img/s)")
    print(f"cragcat streamed (decode derivative every epoch): "
          f"{sum(streamed) / len(streamed):.2f} s/epoch")
    print(f"cragcat cached: first epoch {cached[0]:.2f} s (includes the one-off decode), "
          f"then {steady:.3f} s/epoch ({count / steady:.0f} img/s)")
    figures = {"photos": count, "naive_s_per_epoch": naive_mean,
               "streamed_s_per_epoch": sum(streamed) / len(streamed),
               "cached_first_epoch_s": cached[0], "cached_s_per_epoch": steady,
               "ratio_steady": naive_mean / steady,
               "ratio_over_run": sum(naive) / sum(cached),
               "ratio_streamed": naive_mean / (sum(streamed) / len(streamed))}
    print(f"ratio naive/cached per steady epoch: {figures['ratio_steady']:.1f}x; "
          f"over all {args.epochs} epochs (decode included): {figures['ratio_over_run']:.1f}x; "
          f"naive/streamed: {figures['ratio_streamed']:.1f}x")
    return figures


def export_section(artifact: Path, catalog_path: Path) -> dict:
    from trainer.export import export_artifact

    with open_catalog(catalog_path) as catalog:
        results = {kind: export_artifact(catalog, artifact, kind) for kind in ("fp16", "int8")}
    original = results["int8"]["original_bytes"]
    print(f"\n== artifact: {artifact}")
    print(f"original: {original / 1e6:.2f} MB, test accuracy "
          f"{results['int8']['original_test_accuracy']:.4f} "
          f"({results['int8']['test_photos']} test photos)")
    for kind, r in results.items():
        print(f"{kind}: {r['bytes'] / 1e6:.2f} MB ({r['size_ratio']:.1f}x smaller), "
              f"test accuracy {r['test_accuracy']:.4f}")
    return results


def train_default(catalog_path: Path, out: Path) -> Path:
    from cragcat.console import Console
    from cragcat.settings import load_settings
    from trainer.run import train
    from trainer.settings import train_options

    config = train_options(load_settings(None, {"train.out": str(out)}))
    started = time.perf_counter()
    with open_catalog(catalog_path) as catalog:
        figures = train(catalog, config, Console())
    print(f"trained with default settings in {time.perf_counter() - started:.0f} s: "
          f"test accuracy {figures['test_accuracy']:.4f}, loss {figures['test_loss']:.4f}")
    return Path(figures["artifact"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--photos", type=int, default=0, help="use only N labelled photos")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/cragcat-bench-train"))
    parser.add_argument("--artifact", type=Path)
    parser.add_argument("--catalog", type=Path)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-pipeline", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(spare_cores(0))
    args.work.mkdir(parents=True, exist_ok=True)
    catalog_path = prepare_photos(build_site(args.size, args.seed), args.work, args.photos)
    if not args.skip_pipeline:
        pipeline_section(args, catalog_path)
    if not args.skip_export:
        artifact = args.artifact or train_default(catalog_path, args.work / "runs")
        export_section(artifact, args.catalog or catalog_path)


if __name__ == "__main__":
    main()
