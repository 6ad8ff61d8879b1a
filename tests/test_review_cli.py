"""`cragcat review` as a person starts it: the first line is its URL on 127.0.0.1."""

import subprocess
import sys

import httpx

from tests.conftest import ROOT


def test_review_prints_its_local_url_first_and_serves_the_queue(catalog_path, tmp_path):
    config = tmp_path / "empty.toml"
    config.touch()
    proc = subprocess.Popen([sys.executable, "-m", "cragcat", "review", "--catalog",
                             str(catalog_path), "--port", "0", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/"), url
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and 'name="review-token"' in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()

