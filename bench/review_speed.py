"""The review app's speed as a person feels it, in headless Chromium (Debian's package).

    python bench/review_speed.py --size small                # crawl the small sample site
    python bench/review_speed.py --catalog PATH              # a crawled catalog (copied)
    python bench/review_speed.py --size small --labels 300 --think 0.7

Figures:
- keypress -> next photo decoded on screen, median and p95 (measured inside the page
  with performance.now(): from the keydown handler to img.decode() of the next photo;
  target p95 < 100 ms);
- keystrokes per label;
- a scripted session: every label pressed as soon as the previous photo is on screen,
  the app's own time per label added to a person's thinking time (--think, 0.7 s),
  projected to 1,000 labels and compared with sorting photos into folders at the
  reference author's 10 s per photo (the baseline: a figure he measured, not run here).
The catalog is the sample site crawled by `crawl` (untagged photos queue as well as
tagged ones); the app runs as `cragcat review --port 0` in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FOLDER_SORTING_SECONDS = 10.0   # the reference project's author, per photo


def crawled_catalog(size: str, work: Path) -> Path:
    """The sample site of ``size`` crawled into a fresh catalog under ``work``."""
    sys.path.insert(0, str(ROOT))
    from samplesite import build_site, serve_in_thread
    catalog = work / f"{size}.duckdb"
    with serve_in_thread(build_site(size, seed=0)) as site:
        subprocess.run([sys.executable, "-m", "cragcat", "crawl", "--catalog", str(catalog),
                        "--start", site.url, "-q"], check=True, cwd=ROOT)
    return catalog


def copied(catalog: Path, work: Path) -> Path:
    target = work / "session.duckdb"
    shutil.copyfile(catalog, target)
    shutil.copytree(catalog.with_name(catalog.stem + "-store"), work / "session-store")
    return target


def start_app(catalog: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "cragcat", "review", "--catalog",
                             str(catalog), "--port", "0", "--reviewer", "bench"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT)
    return proc, proc.stdout.readline().strip()


def session(url: str, labels: int) -> dict:
    """Label ``labels`` photos by keyboard as fast as they appear; the figures."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.wait_for_selector("#photo[data-shown]")
        keys, started = 0, time.perf_counter()
        for i in range(labels):
            before = page.locator("#photo").get_attribute("data-shown")
            page.keyboard.press("1230"[i % 4])
            keys += 1
            page.wait_for_function("b => document.querySelector('#photo').dataset.shown !== b",
                                   arg=before, timeout=60_000)
        pressed = time.perf_counter() - started
        page.wait_for_function(f"window.reviewSaved.length >= {labels}", timeout=120_000)
        drained = time.perf_counter() - started
        latencies = page.evaluate("window.reviewLatencies")
        browser.close()
    return {"labels": labels, "keystrokes": keys, "pressing_s": pressed, "all_saved_s": drained,
            "latencies_ms": latencies}


def figures(run: dict, think: float) -> dict:
    ms = sorted(run["latencies_ms"])
    per_label = run["all_saved_s"] / run["labels"]
    session_1000 = 1000 * (think + per_label)
    return {
        "labels": run["labels"],
        "latencies_measured": len(ms),
        "latency_median_ms": round(statistics.median(ms), 1),
        "latency_p95_ms": round(ms[max(0, int(len(ms) * 0.95) - 1)], 1),
        "latency_max_ms": round(ms[-1], 1),
        "keystrokes_per_label": round(run["keystrokes"] / run["labels"], 2),
        "app_seconds_per_label": round(per_label, 3),
        "session_1000_minutes": round(session_1000 / 60, 1),
        "folder_sorting_1000_minutes": round(1000 * FOLDER_SORTING_SECONDS / 60, 1),
        "speedup_vs_folders": round(1000 * FOLDER_SORTING_SECONDS / session_1000, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, help="a crawled catalog (it is copied)")
    parser.add_argument("--size", default="small", help="sample site to crawl otherwise")
    parser.add_argument("--labels", type=int, default=400)
    parser.add_argument("--think", type=float, default=0.7, help="a person's seconds per photo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="review-bench-") as folder:
        work = Path(folder)
        source = args.catalog or crawled_catalog(args.size, work)
        proc, url = start_app(copied(source, work))
        try:
            result = figures(session(url, args.labels), args.think)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
