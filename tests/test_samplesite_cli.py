"""`cragcat sample-site build|serve` end to end: exit codes, what they print."""

import json
import re
import signal
import subprocess
import sys
import threading

import httpx
from click.testing import CliRunner

from cragcat.cli import main
from tests.conftest import ROOT


def test_build_prints_where_the_site_is(tiny_site_dir, sample_site_cache):
    result = CliRunner().invoke(main, ["sample-site", "build", "--size", "tiny",
                                       "--cache-dir", str(sample_site_cache), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["site"] == str(tiny_site_dir)
    assert figures["routes"] == 10 and figures["photo_urls"] >= 58 and figures["labels"] > 40


def test_an_unknown_size_is_a_usage_error():
    result = CliRunner().invoke(main, ["sample-site", "build", "--size", "huge"])
    assert result.exit_code == 2 and "huge" in result.output


def serve(cache, *extra):
    return subprocess.Popen([sys.executable, "-m", "cragcat", "sample-site", "serve", "--size", "tiny",
                             "--cache-dir", str(cache), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def first_line(proc, seconds=60) -> str:
    """The first line of stdout, or '' if none came within the deadline."""
    line = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    return line[0] if line else ""


def test_serve_prints_its_url_first_and_serves_until_interrupted(tiny_site_dir, sample_site_cache):
    proc = serve(sample_site_cache, "--port", "0")
    try:
        url = first_line(proc).strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), url
        assert "Sample Guidebook" in httpx.get(url, timeout=10).text
        assert "Disallow: /private/" in httpx.get(url + "robots.txt", timeout=10).text
        answer = httpx.post(url + "graphql", json={"query": "{ countries { area_name } }"}, timeout=10)
        assert answer.json()["data"]["countries"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_serve_on_a_port_in_use_fails_with_a_clear_message(tiny_site, sample_site_cache):
    proc = serve(sample_site_cache, "--port", str(tiny_site.port))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert f"cannot listen on 127.0.0.1:{tiny_site.port}" in err
