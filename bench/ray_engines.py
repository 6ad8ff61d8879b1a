"""Ray against the local engines on this machine: folder ingest and tagging, photos per second.

    nice -n 10 python bench/ray_engines.py               # the small sample site (600 photos)
    nice -n 10 python bench/ray_engines.py --size tiny --cpus 2

The sample site's photos are laid out as a labelled folder; each engine imports
it into its own catalog (near-duplicate search left out: it is the same code
after either engine), then each tags its catalog with EfficientNet-Lite0
(random weights, 224 px: the real model's cost) on ONNX Runtime. Ray's
runtime start is timed apart from the work, so the table shows both the
steady-state rate and the fixed overhead. Prints the load average: on a
shared machine the ratios, not the rates, are the figures to keep.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from catalog import open_catalog  # noqa: E402
from crawler.folder import crawl_folder  # noqa: E402
from crawler.options import CrawlOptions  # noqa: E402
from crawler.ray_folder import crawl_folder_on_ray  # noqa: E402
from samplesite import build_site  # noqa: E402
from tagger.ray_engine import RayTagOptions, tag_catalog_on_ray  # noqa: E402
from tagger.tagging import TagOptions, tag_catalog  # noqa: E402
from tests.ray_photos import labelled_site_folder  # noqa: E402
from trainer.artifact import load_artifact, save_artifact  # noqa: E402
from trainer.architecture import preprocessing, resolve  # noqa: E402
from trainer.backbones import create_model  # noqa: E402


FOLDER = CrawlOptions.from_settings(source="folder")


def lite0_artifact(folder: Path):
    torch.manual_seed(0)
    arch = resolve("efficientnet_lite0")
    pre = preprocessing(arch)
    path = folder / "lite0.safetensors"
    save_artifact(path, create_model("efficientnet_lite0", 3, "none").eval(), {
        "backbone": "efficientnet_lite0", "architecture": arch.as_dict(),
        "classes": ["glory", "butt", "topo"], "threshold": 0.0, "image_size": 224,
        "mean": pre.mean, "std": pre.std, "interpolation": pre.interpolation})
    return load_artifact(path)


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def measure(work: Path, photos: Path, cpus: int) -> dict:
    import ray

    figures: dict = {"cores": os.cpu_count(), "ray_cpus": cpus}
    artifact = lite0_artifact(work)
    options = TagOptions.from_settings(batch_size=32, workers=1, backend="onnx")
    with open_catalog(work / "local.duckdb") as catalog:
        tally, seconds = timed(lambda: crawl_folder(catalog, photos, FOLDER))
        figures["ingest local photos/s"] = round(tally.images / seconds, 1)
        summary, seconds = timed(lambda: tag_catalog(catalog, artifact, options))
        figures["tagging local photos/s"] = round(summary.tagged / seconds, 1)
    _, figures["ray start s"] = timed(lambda: ray.init(num_cpus=cpus, include_dashboard=False,
                                                       log_to_driver=False))
    try:
        with open_catalog(work / "ray.duckdb") as catalog:
            tally, seconds = timed(lambda: crawl_folder_on_ray(catalog, photos, FOLDER))
            figures["ingest ray photos/s"] = round(tally.images / seconds, 1)
            summary, seconds = timed(lambda: tag_catalog_on_ray(
                catalog, artifact, options, RayTagOptions()))
            figures["tagging ray photos/s"] = round(summary.tagged / seconds, 1)
    finally:
        ray.shutdown()
    figures["load average"] = round(os.getloadavg()[0], 1)
    for stage in ("ingest", "tagging"):
        figures[f"{stage} ray / local"] = round(
            figures[f"{stage} ray photos/s"] / figures[f"{stage} local photos/s"], 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=("tiny", "small"))
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cragcat-ray-bench-"))
    try:
        photos = labelled_site_folder(build_site(args.size, 0), work / "photos")
        print(json.dumps(measure(work, photos, args.cpus), indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
