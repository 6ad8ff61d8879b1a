"""The served site agrees with its manifest: every photo, every bad item, robots.txt,
the sitemap, redirects and the request log, over real HTTP on 127.0.0.1."""

import hashlib
import io
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from protego import Protego

from samplesite.server import SiteServerError, serve_in_thread


@pytest.fixture
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def test_serves_on_loopback_with_a_free_port(tiny_site):
    parts = urlsplit(tiny_site.url)
    assert parts.hostname == "127.0.0.1" and parts.port and tiny_site.url.endswith("/")


def test_every_listed_photo_is_served_with_its_bytes(tiny_site, client):
    for photo in tiny_site.manifest["photos"]:
        answer = client.get(tiny_site.url + photo["path"].lstrip("/"))
        assert answer.status_code == 200, photo["path"]
        assert hashlib.sha256(answer.content).hexdigest() == photo["sha256"]
        assert answer.headers["content-type"] == f"image/{photo['format']}"


def test_every_bad_item_fails_in_its_listed_way(tiny_site, client):
    bad = {b["problem"]: b["path"] for b in tiny_site.manifest["bad"]}

    def get(problem):
        return client.get(tiny_site.url + bad[problem].lstrip("/"))

    truncated = get("truncated_jpeg")
    with pytest.raises(OSError):
        Image.open(io.BytesIO(truncated.content)).load()
    fake = get("html_served_as_image")
    assert fake.headers["content-type"] == "image/jpeg" and fake.content.startswith(b"<!DOCTYPE html>")
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(get("decompression_bomb").content))
    assert get("decompression_bomb").content[16:24] == (40000).to_bytes(4, "big") * 2
    empty = get("zero_bytes")
    assert empty.status_code == 200 and empty.content == b""
    svg = get("svg")
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    with Image.open(io.BytesIO(get("animated_gif").content)) as gif:
        assert gif.is_animated and gif.n_frames == 3
    assert get("not_found").status_code == 404


def test_markup_in_names_and_captions_is_served_escaped(tiny_site, client):
    for item in (b for b in tiny_site.manifest["bad"] if b["problem"].startswith("markup_in")):
        html = client.get(tiny_site.url + item["path"].lstrip("/")).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>" not in html


def test_robots_txt_forbids_the_listed_paths_with_a_crawl_delay(tiny_site, client):
    text = client.get(tiny_site.url + "robots.txt").text
    robots = Protego.parse(text)
    for path in tiny_site.manifest["robots_disallowed"]:
        assert not robots.can_fetch(tiny_site.url + path.lstrip("/") + "x", "cragcat")
    assert robots.can_fetch(tiny_site.url + "routes/", "cragcat")
    assert not robots.can_fetch(tiny_site.url, "GreedyBot")
    assert robots.crawl_delay("cragcat") == tiny_site.manifest["crawl_delay"]
    assert list(robots.sitemaps) == [tiny_site.url + "sitemap.xml"]


def test_crawl_delay_can_be_set_when_serving(tiny_site_dir, client):
    with serve_in_thread(tiny_site_dir, crawl_delay=2) as site:
        assert Protego.parse(client.get(site.url + "robots.txt").text).crawl_delay("x") == 2


def test_sitemap_lists_every_area_and_route_with_absolute_urls(tiny_site, client):
    xml = client.get(tiny_site.url + "sitemap.xml").text
    for item in tiny_site.manifest["areas"] + tiny_site.manifest["routes"]:
        assert f"<loc>{tiny_site.url}{item['path'].lstrip('/')}</loc>" in xml


def test_manifest_is_served_by_the_site(tiny_site, client):
    assert client.get(tiny_site.url + "manifest.json").json() == tiny_site.manifest


def test_legacy_links_redirect_in_a_chain_and_one_loops(tiny_site, client):
    route = tiny_site.manifest["routes"][0]
    slug = route["path"].strip("/").split("/")[-1]
    answer = client.get(tiny_site.url + f"legacy/route/{slug}", follow_redirects=True)
    assert answer.status_code == 200 and [r.status_code for r in answer.history] == [301, 302]
    assert answer.url.path == route["path"]
    with pytest.raises(httpx.TooManyRedirects):
        client.get(tiny_site.url + "legacy/loop-a", follow_redirects=True)


def test_paths_outside_the_site_are_not_served(tiny_site, client):
    assert client.get(tiny_site.url + "%2e%2e/manifest.json").status_code == 404
    assert client.get(tiny_site.url + "areas/atlantis/").status_code == 404


def test_request_log_records_time_path_and_status(tiny_site, client):
    client.get(tiny_site.url + "robots.txt")
    client.get(tiny_site.url + "no/such/page")
    log = tiny_site.request_log()
    assert [(e["path"], e["status"]) for e in log] == [("/robots.txt", 200), ("/no/such/page", 404)]
    assert log[0]["time"] <= log[1]["time"] and log[0]["fault"] is None
    served = client.get(tiny_site.url + "_sample/requests").json()
    assert [e["path"] for e in served] == ["/robots.txt", "/no/such/page"]


def test_a_folder_without_a_manifest_is_refused(tmp_path):
    with pytest.raises(SiteServerError, match="not a generated sample site"):
        serve_in_thread(tmp_path)


def test_a_port_in_use_is_refused_with_a_clear_message(tiny_site, tiny_site_dir):
    with pytest.raises(SiteServerError, match="cannot listen on 127.0.0.1"):
        serve_in_thread(tiny_site_dir, port=tiny_site.port)
