"""`sample-site`: generate the sample guidebook site, or serve it on 127.0.0.1.

    cragcat sample-site serve --size tiny --port 0   # first line: http://127.0.0.1:PORT/
    cragcat sample-site build --size small           # prints the site folder
"""

from __future__ import annotations

import os
import sys
import time

import click

from cragcat.command import Run, stage_options
from cragcat.extras import require
from samplesite.build import build_site
from samplesite.faults import PLANS
from samplesite.guidebook import SIZES
from samplesite.manifest import load_manifest

SIZE_OPTION = click.option("--size", type=click.Choice(list(SIZES)), default="tiny", show_default=True,
                           help="tiny: ~10 routes/60 photos; small: ~60/600; large: 2,000/10,000.")
SEED_OPTION = click.option("--seed", type=int, default=0, show_default=True,
                           help="Same size and seed give the same site, byte for byte.")


@click.group(name="sample-site")
def sample_site():
    """The bundled sample guidebook site: a local crawl target whose truth is known."""


def _build(run: Run, size: str, seed: int):
    started = time.perf_counter()
    cache_dir = os.path.expanduser(run.settings["sample_site.cache_dir"])
    site_dir = build_site(size, seed, cache_dir, workers=run.settings["sample_site.workers"])
    return site_dir, time.perf_counter() - started


@sample_site.command()
@SIZE_OPTION
@SEED_OPTION
@stage_options("sample_site.cache_dir", "sample_site.workers")
def build(run: Run, size: str, seed: int):
    """Generate the site (or find it in the cache) and print its folder."""
    site_dir, seconds = _build(run, size, seed)
    manifest = load_manifest(site_dir)
    expected = manifest["expected"]
    run.console.done("Sample site ready", {
        "site": str(site_dir), "size": size, "seed": seed, "routes": len(manifest["routes"]),
        "photo_urls": len(manifest["photos"]), "unique_images": expected["unique_images"],
        "bad_items": len(manifest["bad"]), "labels": manifest["labels"], "seconds": round(seconds, 2)},
        [f"cragcat sample-site serve --size {size} --seed {seed}"])


@sample_site.command()
@SIZE_OPTION
@SEED_OPTION
@click.option("--faults", type=click.Choice(list(PLANS)), default="none", show_default=True,
              help="Misbehave on purpose: 5xx/429, slow answers, dropped bodies, redirects.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1; 0 takes a free one.")
@stage_options("sample_site.cache_dir", "sample_site.workers")
def serve(run: Run, size: str, seed: int, faults: str, port: int):
    """Serve the site on 127.0.0.1 until Ctrl-C; the first line printed is its URL."""
    require("site", "sample-site serve")
    from samplesite.server import serve_forever

    site_dir, _ = _build(run, size, seed)

    def ready(url: str) -> None:
        print(url, flush=True)
        run.console.info(f"serving the {size} sample site (faults: {faults}) from {site_dir}; "
                         f"GraphQL at {url}graphql, truth at {url}manifest.json; Ctrl-C stops")

    try:
        serve_forever(site_dir, faults, port, ready)
    except KeyboardInterrupt:
        sys.exit(0)


main = sample_site
