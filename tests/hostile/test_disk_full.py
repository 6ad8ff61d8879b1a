"""A disk that fills up during a crawl: one line, the catalog consistent, resumable."""

import shutil
import subprocess
import sys

import pytest

from catalog import open_catalog
from tests import crawler_images as imgs
from tests.conftest import ROOT


@pytest.mark.slow  # two folder crawls with worker processes
def test_a_full_store_disk_stops_the_crawl_with_one_line(tmp_path):
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a small private tmpfs")
    photos = tmp_path / "photos"
    photos.mkdir()
    for seed in range(12):
        (photos / f"{seed}.jpg").write_bytes(imgs.jpeg(seed=seed, width=1600, height=1200))
    store = tmp_path / "store"
    store.mkdir()
    catalog = tmp_path / "c.duckdb"
    config = tmp_path / "c.toml"
    config.write_text(f'[catalog]\nstore = "{store}"\n')
    crawl = (f"{sys.executable} -m cragcat crawl --source folder {photos} --catalog {catalog} "
             f"--config {config}")
    # a private mount namespace: a 400 KB disk for the store, gone when the command ends
    done = subprocess.run(["unshare", "-rm", "sh", "-c",
                           f"mount -t tmpfs -o size=400k tmpfs {store} && {crawl}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(
        f"error: no space left on the disk of the image store ({store}"), done.stderr
    with open_catalog(catalog, read_only=True) as opened:
        states = dict(opened.query("SELECT state, count(*) FROM pages GROUP BY state"))
        runs = opened.query("SELECT status FROM crawl_runs")
    assert states.get("queued", 0) > 0 and runs == [("interrupted",)]
    again = subprocess.run(crawl.split(), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    with open_catalog(catalog, read_only=True) as opened:
        assert opened.scalar("SELECT count(*) FROM images") == 12
