"""A crawl stopped with Ctrl-C or killed outright: its worker processes go with it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.crawler_server import serve
from tests.hostile.site import PROFILE, hostile_site


def workers_of(pid: int) -> list[int]:
    """The image worker processes (multiprocessing spawn children) of ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, seconds: float = 60.0):
    """Poll ``condition`` until it returns something true (a process is not awaitable)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds}s for {condition.__name__}")


def crawl_in_background(tmp_path, site_url: str) -> subprocess.Popen:
    config = tmp_path / "c.toml"
    config.write_text(PROFILE)
    return subprocess.Popen(
        [sys.executable, "-m", "cragcat", "crawl", "--profile", "hostile", "--start",
         site_url + "/stall", "--catalog", str(tmp_path / "c.duckdb"), "--config", str(config)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)


def test_workers_exit_when_the_crawl_is_killed(tmp_path):
    with serve(hostile_site()) as site:
        crawl = crawl_in_background(tmp_path, site.url)
        try:
            wait_for(lambda: "/crag/slow" in site.paths())  # the first page was parsed
            workers = wait_for(lambda: workers_of(crawl.pid))
        finally:
            crawl.kill()
            crawl.communicate()
        still = wait_for(lambda: not any(alive(pid) for pid in workers) or None, 30) \
            if workers else True
    assert still


def test_ctrl_c_stops_a_crawl_with_one_line(tmp_path):
    with serve(hostile_site()) as site:
        crawl = crawl_in_background(tmp_path, site.url)
        wait_for(lambda: "/crag/slow" in site.paths())
        workers = wait_for(lambda: workers_of(crawl.pid))
        os.killpg(crawl.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
        _, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "error: interrupted; what was committed is kept — run the same command again to "
        "continue"]
    assert not any(alive(pid) for pid in workers)
