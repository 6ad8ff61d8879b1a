"""Hostile answers to a fetch: bombs, invalid URLs, redirects out of bounds."""

import json
import subprocess
import sys
import textwrap

from click.testing import CliRunner

from catalog import open_catalog
from crawler.cli import crawl
from tests.conftest import ROOT
from tests.crawler_server import serve
from tests.hostile.site import INVALID_LINKS, PROFILE, hostile_site

# a child process fetches one URL and reports its peak memory growth (MiB)
PEAK = textwrap.dedent("""
    import asyncio, json, resource, sys
    from crawler.fetch import FetchFailed, Fetcher, FetchSettings
    from crawler.guard import AddressGuard
    from crawler.throttle import HostPolicy, Throttle

    async def main(url):
        fetcher = Fetcher(FetchSettings("", "cragcat-test", 10.0, 1 << 20),
                          Throttle(2, HostPolicy(0, 2)),
                          AddressGuard(["127.0.0.1"]))
        async with fetcher:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                await fetcher.fetch(url, check_robots=False)
                reason = "fetched"
            except FetchFailed as exc:
                reason = exc.reason
            grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(json.dumps({"reason": reason, "grown_mib": grown / 1024}))

    asyncio.run(main(sys.argv[1]))
""")


def fetch_in_child(url: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PEAK, url], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_nested_gzip_bomb_is_too_large_in_bounded_memory():
    with serve(hostile_site()) as site:
        for layers in (1, 2, 3):
            result = fetch_in_child(f"{site.url}/bomb/{layers}?mib=256")
            assert result["reason"] == "too-large", result
            # 256 MiB decoded, a 1 MiB limit: a few MiB of growth at most
            assert result["grown_mib"] < 32, result


def crawl_hostile(tmp_path, catalog_path, start="/"):
    config = tmp_path / "c.toml"
    config.write_text(PROFILE)
    with serve(hostile_site()) as site:
        result = CliRunner().invoke(crawl, ["--profile", "hostile", "--start", site.url + start,
                                           "--catalog", str(catalog_path),
                                           "--config", str(config), "--json"])
    rows = open_catalog(catalog_path, read_only=True).query(
        "SELECT url, state, reason FROM pages")
    return site, result, {url.replace(site.url, ""): (state, reason) for url, state, reason in rows}


def test_invalid_links_and_redirects_are_failed_rows_and_the_crawl_goes_on(tmp_path, catalog_path):
    site, result, rows = crawl_hostile(tmp_path, catalog_path)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert rows["/crag"] == ("done", None)
    for link in INVALID_LINKS:
        assert rows[link] == ("failed", "invalid-url")
    assert rows["/hop/invalid"] == ("failed", "invalid-url")


def test_every_redirect_hop_passes_the_scope_rules_and_its_target_gets_a_row(
        tmp_path, catalog_path):
    site, result, rows = crawl_hostile(tmp_path, catalog_path)
    assert result.exit_code == 0, result.output
    assert rows["/hop/off-site"] == ("skipped", "off-site")
    assert rows["http://example.invalid/crag"] == ("skipped", "off-site")
    assert rows["/hop/out-of-scope"] == ("skipped", "out-of-scope")
    assert rows["/private/page"] == ("skipped", "out-of-scope")
    assert "/private/page" not in site.paths()
    assert rows["/hop/refused"] == ("failed", "address-refused")
    localhost = [url for url in rows if url.startswith("http://localhost:")]
    assert [rows[url] for url in localhost] == [("skipped", "address-refused")]


def test_the_guard_says_an_unspecified_address(tmp_path, catalog_path):
    from crawler.guard import AddressGuard, AddressRefused
    import asyncio
    try:
        asyncio.run(AddressGuard().addresses("0.0.0.0", 80))
    except AddressRefused as exc:
        assert "is an unspecified address" in exc.why
    else:
        raise AssertionError("0.0.0.0 was not refused")
