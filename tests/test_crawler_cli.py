"""The crawl command: usage errors exit 2 with a message; refreshes use conditional requests."""

import json

import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from catalog import open_catalog
from crawler.cli import crawl
from tests import crawler_images as imgs
from tests.crawler_server import serve

PLAIN = """
[crawl.profile.plain]
private_hosts = ["127.0.0.1"]
delay = 0.0
other_links = true
photo = "img"
"""


def invoke(*args):
    return CliRunner().invoke(crawl, list(args))


@pytest.mark.parametrize("args, message", [
    (["--profile", "sample"], "--start URL"),
    (["--profile", "nope", "--start", "http://127.0.0.1/"], "no site profile named 'nope'"),
    (["--profile", "sample", "--start", "ftp://127.0.0.1/"], "expected an http"),
    (["--source", "html", "some/folder"], "only for --source folder"),
    (["--refresh-after", "soon"], "a duration such as"),
    (["--source", "gopher"], "Invalid value"),
])
def test_usage_errors(args, message, catalog_path):
    result = invoke(*args, "--catalog", str(catalog_path))
    assert result.exit_code == 2, result.output
    assert message in result.output


def guidebook_with_etags():
    async def home(request):
        if request.headers.get("if-none-match") == '"home-1"':
            return Response(status_code=304)
        return HTMLResponse('<html><body><a href="/crag">Crag</a></body></html>',
                            headers={"ETag": '"home-1"'})

    async def crag(request):
        if request.headers.get("if-modified-since") == "Sat, 01 Nov 2025 10:00:00 GMT":
            return Response(status_code=304)
        return HTMLResponse('<html><body><img src="/slab.jpg"></body></html>',
                            headers={"Last-Modified": "Sat, 01 Nov 2025 10:00:00 GMT"})

    async def slab(request):  # one photo: a crawl that finds none exits 1
        return Response(imgs.jpeg(seed=1), media_type="image/jpeg")
    return Starlette(routes=[Route("/", home), Route("/crag", crag), Route("/slab.jpg", slab)])


def test_refresh_after_refetches_with_conditional_requests(tmp_path, catalog_path):
    config = tmp_path / "c.toml"
    config.write_text(PLAIN)
    with serve(guidebook_with_etags()) as site:
        args = ["--profile", "plain", "--start", site.url + "/", "--catalog", str(catalog_path),
                "--config", str(config), "--json"]
        first = json.loads(invoke(*args).output.strip().splitlines()[-1])
        again = json.loads(invoke(*args).output.strip().splitlines()[-1])
        refreshed = invoke(*args, "--refresh-after", "0s")
        assert refreshed.exit_code == 0, refreshed.output
        figures = json.loads(refreshed.output.strip().splitlines()[-1])
        paths = [p for p in site.paths() if p not in ("/robots.txt", "/slab.jpg")]
    assert (first["pages"], again["pages"], figures["pages"]) == (2, 0, 2)
    assert paths == ["/", "/crag", "/", "/crag"]
    statuses = dict(open_catalog(catalog_path).query("SELECT url, http_status FROM pages"))
    assert statuses == {site.url + "/": 304, site.url + "/crag": 304, site.url + "/slab.jpg": 200}


def test_the_summary_names_next_steps(tmp_path, catalog_path):
    config = tmp_path / "c.toml"
    config.write_text(PLAIN)
    with serve(guidebook_with_etags()) as site:
        result = invoke("--profile", "plain", "--start", site.url + "/", "--catalog",
                        str(catalog_path), "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "crawl (html)" in result.output and "report summary" in result.output
