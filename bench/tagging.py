"""Tagging throughput: tag-catalog against the naive loop, on the same photos.

    python bench/tagging.py [--size small] [--photos 200] [--model PATH] [--threads N]
                            [--repeats 3]

Builds (or reuses) the sample site, imports its photos into a fresh catalog
with the crawler's folder import, then times on the same photos:

  naive-1    open each original file, transform it, forward one image at a time
  naive-32   the same, forwarding batches of 32
  tag-catalog  end to end from the catalog: DataLoader workers decode the
             derivatives, batched inference on the measured-fastest backend,
             tags written in batched transactions; run again with the ONNX export
             the first run kept (tag.kept_exports), as every later run of a model is

and prints photos per second with ratios against both naive loops, each
contender's best of ``--repeats`` runs (a shared 2-core machine varies by a
quarter from one run to the next; the best run is the least disturbed). Without
--model a random-weight EfficientNet-Lite0 with the trainer's default input size and
head stands in (its speed is that of a trained one; --image-size and --head change it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog import open_catalog  # noqa: E402
from cragcat.settings import registry  # noqa: E402
from cragcat.cores import spare_cores  # noqa: E402
from tagger.tagging import TagOptions, tag_catalog  # noqa: E402
from trainer.artifact import build_transform, load_artifact, save_artifact  # noqa: E402
from trainer.architecture import preprocessing, resolve, with_head  # noqa: E402
from trainer.backbones import create_model  # noqa: E402


def stand_in_artifact(folder: Path, image_size: int, head: str) -> Path:
    torch.manual_seed(0)
    arch = resolve("efficientnet_lite0")
    pre = preprocessing(arch)
    path = folder / "lite0.safetensors"
    model = with_head(create_model("efficientnet_lite0", 3, "none"), 3, head).eval()
    save_artifact(path, model, {
        "backbone": "efficientnet_lite0", "architecture": arch.as_dict(),
        "classes": ["glory", "butt", "topo"], "threshold": 0.9, "head": head,
        "image_size": image_size, "mean": pre.mean,
        "std": pre.std, "interpolation": pre.interpolation, "metrics": {}})
    return path


def build_catalog(folder: Path, size: str, cache: Path, limit: int):
    from crawler.folder import import_folder
    from samplesite import build_site

    site = build_site(size, seed=0, cache_dir=cache)
    catalog = open_catalog(folder / "bench.duckdb")
    import_folder(catalog, site / "www")
    # Keep the first ``limit`` canonical photos only, so every contender sees the same set.
    catalog.con.execute("""DELETE FROM images WHERE sha256 NOT IN (
        SELECT sha256 FROM images WHERE is_canonical ORDER BY sha256 LIMIT ?)""", [limit])
    return catalog


def naive(catalog, artifact, batch: int) -> float:
    """Seconds for the naive loop: originals, one transform each, forward in ``batch``es."""
    rows = catalog.query("SELECT original_path FROM images WHERE is_canonical ORDER BY sha256")
    transform = build_transform(artifact)
    model = artifact.model
    start = time.perf_counter()
    pending = []
    with torch.no_grad():
        for (path,) in rows:
            with Image.open(catalog.store_dir / path) as image:
                pending.append(transform(image))
            if len(pending) == batch:
                model(torch.stack(pending)).softmax(1)
                pending = []
        if pending:
            model(torch.stack(pending)).softmax(1)
    return time.perf_counter() - start


def ours(catalog, artifact, workers: int, backend: str, kept: str) -> tuple[float, str, dict]:
    start = time.perf_counter()
    summary = tag_catalog(catalog, artifact, TagOptions.from_settings(
        retag=True, workers=workers, threads=torch.get_num_threads(), backend=backend,
        device="cpu", kept_exports=kept))
    seconds = time.perf_counter() - start
    timings = catalog.scalar("SELECT backend_timings FROM tag_runs ORDER BY run_id DESC LIMIT 1")
    return seconds, summary.backend, timings


def calibration(catalog, artifact) -> dict:
    """What ``--backend auto`` measures on a big run (over 2,000 photos)."""
    from tagger.backend import CALIBRATION_PHOTOS, measure_cpu_backends
    from tagger.loader import read_photo
    from tagger.model import photo_transform, pixels_for_model

    rows = catalog.query("SELECT derivative_path FROM images WHERE is_canonical LIMIT ?",
                         [CALIBRATION_PHOTOS])
    to_uint8 = photo_transform(artifact).to_uint8
    sample = torch.stack([to_uint8(read_photo(catalog.store_dir / p)) for (p,) in rows])
    _, timings, _ = measure_cpu_backends(artifact.model, pixels_for_model(
        sample, artifact, torch.device("cpu")), ["eager", "channels_last", "jit", "int8", "onnx"])
    return timings


def run_contenders(catalog, artifact, workers: int, kept: Path, results: dict) -> None:
    """One run of every contender; ``results`` keeps each one's fastest."""
    def record(label: str, seconds: float, detail: str = "") -> None:
        results[label] = min(seconds, results.get(label, seconds))
        print(f"  {label}: {seconds:.1f} s{detail}", flush=True)

    for label, batch in (("naive-1", 1), ("naive-32", 32)):
        record(label, naive(catalog, artifact, batch))
    for label, n, backend in (  # ``kept`` is empty at first: the first default run exports
            ("tag-catalog eager, in-process", 0, "eager"),
            (f"tag-catalog default, {workers} worker(s)", workers, "auto"),
            ("the same, its ONNX export kept", workers, "auto")):
        seconds, chosen, timings = ours(catalog, artifact, n, backend, str(kept))
        record(label, seconds, f", backend {chosen} ({timings})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--workers", type=int, default=registry()["tag.workers"].default)
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each contender; the fastest counts")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads for every contender (0: the idle cores)")
    parser.add_argument("--cache", type=Path, default=Path("~/.cache/cragcat/sample-sites")
                        .expanduser())
    parser.add_argument("--image-size", type=int, default=registry()["train.image_size"].default,
                        help="the stand-in's input size (default: train.image_size's)")
    parser.add_argument("--head", default=registry()["train.head"].default,
                        choices=("finetune", "probe"), help="the stand-in's head")
    args = parser.parse_args()
    torch.set_num_threads(spare_cores(args.threads))  # the same for every contender
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        catalog = build_catalog(folder, args.size, args.cache, args.photos)
        artifact = load_artifact(args.model or stand_in_artifact(folder, args.image_size,
                                                                      args.head))
        n = catalog.scalar("SELECT count(*) FROM images WHERE is_canonical")
        print(f"{n} photos, {artifact.backbone} at {artifact.image_size}px, "
              f"{torch.get_num_threads()} torch threads", flush=True)
        results: dict[str, float] = {}
        for repeat in range(args.repeats):
            run_contenders(catalog, artifact, args.workers, folder / f"onnx-{repeat}", results)
        print(f"  CPU backends on a calibration batch (s/photo): "
              f"{calibration(catalog, artifact)}", flush=True)
        for label, seconds in results.items():
            print(f"{label:40s} {n / seconds:8.1f} photos/s   "
                  f"x{results['naive-1'] / seconds:5.2f} vs naive-1   "
                  f"x{results['naive-32'] / seconds:5.2f} vs naive-32")
        catalog.close()


if __name__ == "__main__":
    main()
