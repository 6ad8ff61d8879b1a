"""A crawl killed with SIGKILL at random moments and run again ends where an
uninterrupted crawl ends: the same images, sightings and frontier, no row twice."""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from crawler.cli import crawl
from tests.conftest import ROOT

CONFIG = """
[crawl]
retries = 4
backoff = 0.05
"""


def start_crawl(site, catalog_path, config_path) -> subprocess.Popen:
    """`crawl` in its own process, as a user runs it (so that it can be SIGKILLed)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cragcat", "crawl", "--profile", "sample", "--start", site.url,
         "--catalog", str(catalog_path), "--config", str(config_path), "--json"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def crawl_here(site, catalog_path, config_path) -> dict:
    result = CliRunner().invoke(crawl, ["--profile", "sample", "--start", site.url, "--catalog",
                                        str(catalog_path), "--config", str(config_path),
                                        "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def wait_until(condition, deadline_s: float) -> bool:
    """Poll ``condition`` until it holds or the deadline passes (no fixed sleep)."""
    deadline, tick = time.monotonic() + deadline_s, threading.Event()
    while time.monotonic() < deadline:
        if condition():
            return True
        tick.wait(0.005)
    return False


def snapshot(catalog_path) -> dict:
    catalog = open_catalog(catalog_path, read_only=True)
    try:
        return {
            "images": catalog.query("SELECT sha256, cluster_id, is_canonical FROM images "
                                    "ORDER BY sha256"),
            # sighting keys hold catalog-internal route/area ids: compare what they say
            "sightings": catalog.query(
                """SELECT s.sha256, s.page_url, s.image_url, r.external_id, a.external_id,
                          s.caption, s.credit, s.licence
                   FROM sightings s LEFT JOIN routes r ON r.route_id = s.route_id
                   LEFT JOIN areas a ON a.area_id = s.area_id ORDER BY ALL"""),
            "pages": catalog.query("SELECT url, kind, state, reason, sha256 FROM pages "
                                   "ORDER BY url"),
            "refs": catalog.query("SELECT image_url, page_url FROM image_refs ORDER BY 1, 2"),
            "routes": catalog.query("SELECT external_id, name, url FROM routes ORDER BY 1"),
            "areas": catalog.query("SELECT external_id, name, url FROM areas ORDER BY 1"),
        }
    finally:
        catalog.close()


@pytest.mark.parametrize("attempts, seed", [
    (1, 4), pytest.param(4, 11, marks=pytest.mark.slow)])
def test_sigkill_at_random_points_then_resume_equals_an_uninterrupted_crawl(
        site_factory, tmp_path, attempts, seed):
    site = site_factory(faults="flaky", crawl_delay=0)
    config = tmp_path / "crawl.toml"
    config.write_text(CONFIG)
    whole = tmp_path / "whole.duckdb"
    crawl_here(site, whole, config)  # uninterrupted, in this process (quicker)
    total = len(site.request_log())

    resumed, rng, kills = tmp_path / "resumed.duckdb", random.Random(seed), 0
    for _ in range(attempts):
        seen = len(site.request_log())
        target = seen + rng.randint(5, max(6, total // 3))
        proc = start_crawl(site, resumed, config)
        if wait_until(lambda: len(site.request_log()) >= target or proc.poll() is not None, 120):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
        proc.wait(timeout=30)
    crawl_here(site, resumed, config)  # the resumed run finishes the job
    assert kills >= 1
    assert snapshot(resumed) == snapshot(whole)
    catalog = open_catalog(resumed, read_only=True)
    statuses = dict(catalog.query("SELECT status, count(*) FROM crawl_runs GROUP BY 1"))
    assert statuses == {"interrupted": kills, "finished": attempts + 1 - kills}
