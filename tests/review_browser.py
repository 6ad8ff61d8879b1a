"""Shared parts of the review app's browser tests: Debian's chromium, a tiny-site
catalog built once (crawled, tagged by a quickly trained model), and the app run as
a real `cragcat review` process on 127.0.0.1, port 0."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from catalog import open_catalog

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]

QUICK_CONFIG = """
[train]
epochs = 1
image_size = 32
batch_size = 16
workers = 0
threads = 1
out = "{out}"
[tag]
workers = 0
threads = 1
backend = "eager"
threshold = 0.34
"""


def chromium_or_skip() -> None:
    """Skip with the reason when the browser or Playwright is missing (never download)."""
    if not CHROMIUM.is_file():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium "
                    "(apt-get install -y chromium); .ci/run installs it")
    pytest.importorskip("playwright", reason="browser tests need pytest-playwright "
                                             "(pip install -e '.[dev]')")


def cragcat(*args: str, config: Path, timeout: int = 300) -> str:
    done = subprocess.run([sys.executable, "-m", "cragcat", *args, "--config", str(config)],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def build_base_catalog(folder: Path, site) -> tuple[Path, Path]:
    """Crawl the tiny site into ``base``; train on a labelled copy; tag ``base`` with it.
    Returns (base catalog, config file); ``base`` has tags but no human labels."""
    config = folder / "quick.toml"
    config.write_text(QUICK_CONFIG.format(out=folder / "models"))
    base, taught = folder / "base.duckdb", folder / "taught.duckdb"
    cragcat("crawl", "--catalog", str(base), "--start", site.url, "-q", config=config)
    copy_catalog(base, taught)
    cragcat("train", "labels", "import", "--catalog", str(taught),
            str(site.site_dir / "labels.csv"), config=config)
    cragcat("train", "--catalog", str(taught), "-q", config=config)
    with open_catalog(taught, read_only=True) as catalog:
        artifact = catalog.scalar("SELECT artifact_path FROM train_runs "
                                  "WHERE status = 'finished' ORDER BY started_at DESC")
    cragcat("tag-catalog", "--catalog", str(base), "--model", artifact, "-q", config=config)
    return base, config


def copy_catalog(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    shutil.copytree(source.with_name(source.stem + "-store"),
                    target.with_name(target.stem + "-store"), dirs_exist_ok=True)
    return target


class ReviewServer:
    """`cragcat review --port 0` in its own process; ``url`` from its first line."""

    def __init__(self, catalog: Path, config: Path, reviewer: str = "tester"):
        self.catalog = catalog
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cragcat", "review", "--catalog", str(catalog),
             "--port", "0", "--reviewer", reviewer, "--config", str(config)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url + self.proc.stdout.read()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc.stdout.close()


def query(catalog: Path, sql: str, params=None):
    with open_catalog(catalog, read_only=True) as opened:
        return opened.query(sql, params)
