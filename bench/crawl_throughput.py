"""Ingest throughput: cragcat's crawl against Scrapy + ImagesPipeline, same site, same script.

    python bench/crawl_throughput.py                 # the large sample site (10,000 photos)
    python bench/crawl_throughput.py --size small    # quicker
    python bench/crawl_throughput.py --site-dir ~/.cache/cragcat/sample-sites/large-seed0-v3

The sample site is served by a separate process on 127.0.0.1 (Crawl-delay 0,
no faults). Politeness is off on both sides: no delay, 16 requests in flight,
robots.txt obeyed. Scrapy follows the same links (area, route, next-page) and
hands every photo to its ImagesPipeline, which stores each image and a
256 px thumbnail - about the work of cragcat's ingest (original + derivative),
without pHash, sharpness, sightings or a catalog. Both run as their own
process; each figure is image URLs stored (an image and its derivative or
thumbnail) per second of wall time, start-up included.
Needs the bench extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SPIDER = '''
import scrapy

class GuidebookSpider(scrapy.Spider):
    name = "guidebook"
    custom_settings = {
        "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING",
        "ITEM_PIPELINES": {"scrapy.pipelines.images.ImagesPipeline": 1},
        "IMAGES_THUMBS": {"small": (256, 256)}, "TELNETCONSOLE_ENABLED": False,
        "RETRY_TIMES": 4, "DEPTH_LIMIT": 20,
    }

    def __init__(self, start="", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start]

    def parse(self, response):
        if not hasattr(response, "css"):
            return
        for img in response.css("figure.photo img"):
            srcset = img.attrib.get("srcset")
            src = (srcset.split(",")[-1].split()[0] if srcset else None) or \\
                img.attrib.get("data-src") or img.attrib.get("src")
            if src and not src.startswith("data:"):
                yield {"image_urls": [response.urljoin(src)]}
        for href in response.css("a.area-link::attr(href), a.route-link::attr(href), "
                                 "a.next-page::attr(href)").getall():
            yield response.follow(href, self.parse)
'''

SERVER = '''
import sys
from samplesite import serve_in_thread
with serve_in_thread(sys.argv[1], crawl_delay=0) as site:
    print(site.url, flush=True)
    sys.stdin.readline()
'''


def serve(site_dir: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(site_dir)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cragcat(url: str, work: Path) -> tuple[float, int]:
    config = work / "bench.toml"
    config.write_text('[crawl]\nconcurrency = 16\nretries = 4\nbackoff = 0.05\n'
                      '[crawl.profile.sample]\nconcurrency = 16\ndelay = 0.0\n')
    catalog = work / "cragcat.duckdb"
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "cragcat", "crawl", "--profile", "sample",
                             "--start", url, "--catalog", str(catalog), "--config", str(config),
                             "--json"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode:
        raise SystemExit(f"cragcat crawl failed: {result.stderr[-2000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    # image URLs stored, duplicates included: the unit Scrapy's pipeline counts
    return seconds, figures["images_new"] + figures["images_duplicate"]


def run_scrapy(url: str, work: Path) -> tuple[float, int]:
    spider = work / "guidebook_spider.py"
    spider.write_text(SPIDER)
    store = work / "scrapy-images"
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "scrapy", "runspider", str(spider),
                             "-a", f"start={url}", "-s", f"IMAGES_STORE={store}"],
                            cwd=work, capture_output=True, text=True,
                            env={**os.environ, "SCRAPY_SETTINGS_MODULE": ""})
    seconds = time.monotonic() - started
    if result.returncode:
        raise SystemExit(f"scrapy failed: {result.stderr[-2000:]}")
    stored = len(list((store / "full").glob("*"))) if (store / "full").is_dir() else 0
    return seconds, stored


def _built_site(size: str, seed: int) -> Path:
    from samplesite import build_site
    return build_site(size, seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=["tiny", "small", "large"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--site-dir", type=Path, default=None,
                        help="an already generated sample site folder (for example an older "
                             "generator version's cache) instead of building --size")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    site_dir = args.site_dir or _built_site(args.size, args.seed)
    manifest = json.loads((site_dir / "manifest.json").read_text())
    print(f"site: {manifest['expected']['unique_images']} unique photos at {site_dir}")
    results = {}
    for name, runner in (("cragcat", run_cragcat), ("scrapy", run_scrapy)):
        server, url = serve(site_dir)
        try:
            with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as work:
                cpu = children_cpu()
                seconds, images = runner(url, Path(work))
                cpu = children_cpu() - cpu  # the crawler process only (the server still runs)
        finally:
            server.stdin.write("\n")
            server.stdin.close()
            server.wait(timeout=30)
        results[name] = (seconds, images, cpu)
        print(f"{name:8s} {images:6d} images in {seconds:7.1f} s = {images / seconds:6.1f} img/s; "
              f"{cpu:6.1f} s CPU = {images / cpu:6.1f} img per CPU-s "
              f"(load average {os.getloadavg()[0]:.1f})")
    (s1, n1, c1), (s2, n2, c2) = results["cragcat"], results["scrapy"]
    print(f"ratio cragcat / scrapy: {(n1 / s1) / (n2 / s2):.2f}x images per second, "
          f"{(n1 / c1) / (n2 / c2):.2f}x images per CPU second (target >= 2x)")


if __name__ == "__main__":
    main()
