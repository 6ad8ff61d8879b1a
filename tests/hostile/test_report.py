"""A report query that never ends: Ctrl-C and report.timeout stop it with one line."""

import signal
import subprocess
import sys
import time
from pathlib import Path

from catalog import open_catalog
from tests.conftest import ROOT

ENDLESS = "SELECT count(*) FROM range(10000000000000) a"


def report(catalog_path, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cragcat", "report", "--sql", ENDLESS, "--catalog",
         str(catalog_path), *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks


def test_ctrl_c_stops_a_query_with_the_usual_line(catalog_path):
    open_catalog(catalog_path).close()
    query = report(catalog_path, "--timeout", "0")
    try:
        # the query is running once the process has burnt more CPU than starting takes
        deadline = time.monotonic() + 60
        while cpu_seconds(query.pid) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        query.send_signal(signal.SIGINT)
        _, stderr = query.communicate(timeout=60)
    finally:
        query.kill()
    assert query.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        "error: interrupted; what was committed is kept — run the same command again to "
        "continue"]


def test_report_timeout_bounds_any_query(catalog_path):
    open_catalog(catalog_path).close()
    query = report(catalog_path, "--timeout", "1")
    try:
        _, stderr = query.communicate(timeout=60)
    finally:
        query.kill()
    assert query.returncode == 1, stderr
    assert stderr.strip().splitlines() == [
        "error: the query ran past report.timeout (1 s) and was stopped; pass --timeout "
        "SECONDS (0: no limit)"]
