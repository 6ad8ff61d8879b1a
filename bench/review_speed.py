"""The review app's speed as a person feels it, in headless Chromium (Debian's package).

    python bench/review_speed.py --size large --labels 1000 --think 0.7   # a paced session
    python bench/review_speed.py --size large --labels 300 --think 0      # as fast as shown
    python bench/review_speed.py --catalog PATH                           # your own catalog

The catalog: the sample site of ``--size`` crawled and tagged by a model trained on the
small site's labels (config.toml's recipe), so the queue is ordered by a real model's
margins. It is built once under ~/.cache/cragcat/bench-review-SIZE/ (the small site's
labelled catalog and model under bench-review-small/; crawl, train, tag-catalog:
minutes) and reused; every session labels a fresh copy of it (the image store is
linked, not copied).

Figures:
- keypress -> next photo on screen, median, p95 and max over every label (measured
  inside the page: from the keydown event's time stamp to the next photo decoded and
  its frame painted; target p95 < 100 ms);
- keystrokes per label;
- the session's wall time, from the first photo on screen to every label committed by
  the server, a person's thinking (--think seconds after each photo is on screen)
  included, against sorting the same photos into folders at the reference author's
  10 s per photo (the baseline: a figure he measured, not run here);
- the page's requests as it saw them (queue, labels, photos), and the app's CPU time.
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
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FOLDER_SORTING_SECONDS = 10.0   # the reference project's author, per photo
CACHE = Path("~/.cache/cragcat").expanduser()
TRAIN_SIZE = "small"            # the site whose labels teach the bench's model
# The next photo is on screen: the element holding it says so once its frame is painted.
NEXT_SHOWN = ("b => { const s = document.querySelector('#photo').dataset.shown; "
              "return Boolean(s) && s !== b; }")


def cragcat(*args: str, config: Path) -> None:
    """One cragcat command in its own process, its output and its wall and CPU seconds on
    stderr (stdout holds only the bench's figures)."""
    started, before = time.perf_counter(), os.times()
    subprocess.run([sys.executable, "-m", "cragcat", *args, "--config", str(config), "-q"],
                   check=True, cwd=ROOT, stdout=sys.stderr)
    after = os.times()
    cpu = after.children_user + after.children_system - before.children_user \
        - before.children_system
    print(f"{args[0]}: {time.perf_counter() - started:.0f} s wall, {cpu:.0f} s CPU",
          file=sys.stderr)


def crawled(size: str, catalog: Path, config: Path) -> Path:
    """The sample site of ``size`` (generated once, cached) crawled into ``catalog``."""
    from samplesite import build_site, serve_in_thread
    # No robots.txt Crawl-delay (0.05 s a request): the bench's own server on loopback,
    # and the large site's 10,000 photos would take minutes of waiting, not of work.
    with serve_in_thread(build_site(size, seed=0), crawl_delay=0) as site:
        cragcat("crawl", "--catalog", str(catalog), "--start", site.url, config=config)
    return catalog


def bench_home(size: str) -> tuple[Path, Path]:
    """The bench's folder for the ``size`` site, and its config (models trained there)."""
    home = CACHE / f"bench-review-{size}"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "bench.toml"
    config.write_text(f'[train]\nout = "{home / "models"}"\n')
    return home, config


def site_catalog(size: str) -> Path:
    """The ``size`` site crawled, its labels.csv imported as human labels; built once."""
    from samplesite import build_site
    home, config = bench_home(size)
    taught, ready = home / f"{size}-taught.duckdb", home / f"{size}-taught.labelled"
    if not ready.is_file():
        taught.unlink(missing_ok=True)
        shutil.rmtree(home / f"{size}-taught-store", ignore_errors=True)
        crawled(size, taught, config)
        cragcat("train", "labels", "import", "--catalog", str(taught),
                str(build_site(size, seed=0) / "labels.csv"), config=config)
        ready.touch()
    return taught


def trained_model(size: str) -> str:
    """A model trained (the config's recipe) on the ``size`` site's labelled photos."""
    from catalog import open_catalog
    taught = site_catalog(size)
    with open_catalog(taught, read_only=True) as catalog:
        found = catalog.scalar("SELECT artifact_path FROM train_runs "
                               "WHERE status = 'finished' ORDER BY started_at DESC")
    if found:
        return found
    cragcat("train", "--catalog", str(taught), config=bench_home(size)[1])
    return trained_model(size)


def tagged_catalog(size: str) -> Path:
    """The bench's catalog of ``size``: crawled, tagged by the small site's model, no
    human labels; built once."""
    home, config = bench_home(size)
    catalog, ready = home / f"{size}.duckdb", home / f"{size}.tagged"
    if ready.is_file():
        return catalog
    model = trained_model(TRAIN_SIZE)
    catalog.unlink(missing_ok=True)
    shutil.rmtree(home / f"{size}-store", ignore_errors=True)
    crawled(size, catalog, config)
    cragcat("tag-catalog", "--catalog", str(catalog), "--model", model, config=config)
    ready.write_text(model + "\n")
    return catalog


def session_copy(catalog: Path, work: Path) -> Path:
    """A fresh copy of the catalog to label; its image store linked (the app only reads it)."""
    target = work / "session.duckdb"
    shutil.copyfile(catalog, target)
    (work / "session-store").symlink_to(catalog.with_name(catalog.stem + "-store").resolve())
    return target


def start_app(catalog: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "cragcat", "review", "--catalog",
                             str(catalog), "--port", "0", "--reviewer", "bench"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT)
    return proc, proc.stdout.readline().strip()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request_kind(url: str) -> str | None:
    for kind in ("/api/queue", "/api/labels", "/photos/"):
        if kind in url:
            return kind.strip("/")
    return None


def session(url: str, labels: int, think: float) -> dict:
    """Label ``labels`` photos by keyboard, ``think`` seconds after each is on screen."""
    from playwright.sync_api import sync_playwright
    requests: dict[str, list[float]] = {}

    refused: dict[str, int] = {}

    def finished(request) -> None:
        kind = request_kind(request.url)
        if kind and request.timing["responseEnd"] >= 0:
            requests.setdefault(kind, []).append(request.timing["responseEnd"])

    def answered(response) -> None:   # a busy (503) or refused answer: counted, never hidden
        kind = request_kind(response.url)
        if kind and response.status >= 400:
            refused[f"{kind} {response.status}"] = refused.get(f"{kind} {response.status}", 0) + 1

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("requestfinished", finished)
        page.on("response", answered)
        page.goto(url)
        page.wait_for_selector("#photo[data-shown]")
        keys, started = 0, time.perf_counter()
        for i in range(labels):
            time.sleep(think)
            before = page.locator("#photo").get_attribute("data-shown")
            page.keyboard.press("1230"[i % 4])
            keys += 1
            page.wait_for_function(NEXT_SHOWN, arg=before, timeout=60_000)
            if keys % 100 == 0:
                print(f"{keys} labels, {time.perf_counter() - started:.0f} s", file=sys.stderr)
        pressed = time.perf_counter() - started
        page.wait_for_function(f"window.reviewSaved.length >= {labels}", timeout=120_000)
        drained = time.perf_counter() - started
        latencies = page.evaluate("window.reviewLatencies")
        browser.close()
    return {"labels": labels, "keystrokes": keys, "pressing_s": pressed, "all_saved_s": drained,
            "latencies_ms": latencies, "requests_ms": requests, "refused": refused}


def spread(values: list[float]) -> dict:
    ms = sorted(values)
    return {"n": len(ms), "median": round(statistics.median(ms), 1),
            "p95": round(ms[max(0, -(-len(ms) * 95 // 100) - 1)], 1), "max": round(ms[-1], 1)}


def figures(run: dict, think: float) -> dict:
    wall = run["all_saved_s"]
    folders = run["labels"] * FOLDER_SORTING_SECONDS
    return {
        "labels": run["labels"],
        "think_s": think,
        "keypress_to_photo_ms": spread(run["latencies_ms"]),
        "keystrokes_per_label": round(run["keystrokes"] / run["labels"], 2),
        "session_wall_min": round(wall / 60, 2),
        "app_seconds_per_label": round(wall / run["labels"] - think, 3),
        "per_1000_labels_min": round(wall * 1000 / run["labels"] / 60, 1),
        "folder_sorting_min": round(folders / 60, 1),
        "speedup_vs_folders": round(folders / wall, 1),
        "last_key_to_all_saved_s": round(wall - run["pressing_s"], 2),
        "requests_ms": {kind: spread(ms) for kind, ms in run["requests_ms"].items()},
        "requests_refused": run["refused"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, help="a crawled catalog (it is copied)")
    parser.add_argument("--size", default="large",
                        help="sample site whose tagged catalog to use (built once, cached)")
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--think", type=float, default=0.7,
                        help="a person's seconds per photo (0: press as soon as it shows)")
    args = parser.parse_args()
    source = args.catalog or tagged_catalog(args.size)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="review-bench-") as folder:
        proc, url = start_app(session_copy(source, Path(folder)))
        try:
            result = figures(session(url, args.labels, args.think), args.think)
            result["app_cpu_s"] = round(cpu_seconds(proc.pid), 1)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    result.update(catalog=str(source), cpus=os.cpu_count(),
                  load_average_before=[round(x, 2) for x in load_before],
                  load_average_after=[round(x, 2) for x in os.getloadavg()])
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
