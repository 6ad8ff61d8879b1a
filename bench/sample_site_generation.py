"""How long the sample site takes to generate, as ratios against baselines run here.

    python bench/sample_site_generation.py                 # tiny and small
    python bench/sample_site_generation.py --sizes large   # the 2,000-route site (minutes)

For each size it prints wall seconds with a process pool (one worker per core)
and, as the baseline, the same generation in one process (workers=1); the
ratio is the pool's speed-up. It also prints the cost per photo URL against
a Pillow-only floor: encoding a flat picture of the same size and format for
every photo (what generation would cost if painting were free).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from samplesite.build import generate  # noqa: E402


def timed_generate(size: str, workers: int, scratch: Path) -> tuple[float, dict]:
    out = scratch / f"{size}-{workers}"
    started = time.perf_counter()
    manifest = generate(size, 0, out, workers=workers)
    seconds = time.perf_counter() - started
    shutil.rmtree(out)
    return seconds, manifest


def encode_floor(manifest: dict) -> float:
    """Seconds to encode a flat picture of every photo's size and format, one process."""
    started = time.perf_counter()
    for photo in manifest["photos"]:
        img = Image.new("RGB", (photo["width"], photo["height"]), (120, 110, 100))
        fmt = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[photo["format"]]
        img.save(io.BytesIO(), fmt)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="tiny,small")
    parser.add_argument("--skip-serial", action="store_true", help="no workers=1 baseline (large)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"cores: {cores}, load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'size':6} {'routes':>6} {'photos':>6} {'pool s':>8} {'1-proc s':>9} {'speed-up':>8} "
          f"{'ms/photo':>9} {'floor ms':>9} {'x floor':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            pooled, manifest = timed_generate(size, cores, Path(tmp))
            serial = None if args.skip_serial else timed_generate(size, 1, Path(tmp))[0]
            photos = len(manifest["photos"])
            floor = encode_floor(manifest)
            per_photo = (serial or pooled * cores) / photos
            print(f"{size:6} {len(manifest['routes']):6d} {photos:6d} {pooled:8.1f} "
                  f"{serial if serial is not None else float('nan'):9.1f} "
                  f"{(serial / pooled) if serial else float('nan'):8.2f} {per_photo * 1000:9.1f} "
                  f"{floor / photos * 1000:9.1f} {per_photo / (floor / photos):8.1f}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
