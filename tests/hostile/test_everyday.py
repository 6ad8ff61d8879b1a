"""Everyday mistakes: a crawl that finds nothing, a profile that matches nothing, a config
with a slip in it, the same page under two spellings."""

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from cragcat.cli import main
from tests.crawler_server import serve
from tests.hostile.site import PROFILE, hostile_site


def crawl(tmp_path, catalog_path, start: str, *extra):
    config = tmp_path / "c.toml"
    config.write_text(PROFILE)
    with serve(hostile_site()) as site:
        result = CliRunner().invoke(main, ["crawl", "--profile", "hostile", "--start",
                                           site.url + start, "--catalog", str(catalog_path),
                                           "--config", str(config), *extra])
    return site, result


def test_a_crawl_whose_start_fails_exits_1_with_the_reason(tmp_path, catalog_path):
    _, result = crawl(tmp_path, catalog_path, "/no-such-page")
    assert result.exit_code == 1, result.output
    assert "the crawl fetched nothing: http-404 x1" in result.output


def test_a_crawl_that_finds_no_photo_exits_1_and_names_check_profile(tmp_path, catalog_path):
    _, result = crawl(tmp_path, catalog_path, "/private/page")
    assert result.exit_code == 1, result.output
    assert "1 page(s) fetched but no photo found on them" in result.output
    assert "crawl check-profile URL" in result.output


def test_check_profile_shows_what_each_selector_finds(sample_site):
    result = CliRunner().invoke(main, ["crawl", "check-profile", sample_site.url + "/",
                                       "--profile", "sample", "--json"])
    assert result.exit_code == 0, result.output
    figures = result.output.strip().splitlines()[-1]
    assert '"status": 200' in figures and '"links": ' in figures
    routes = CliRunner().invoke(main, ["crawl", "check-profile", sample_site.url + "/",
                                       "--profile", "sample"])
    assert "area_links" in routes.output and "photo" in routes.output


def test_check_profile_goes_through_the_guard():
    result = CliRunner().invoke(main, ["crawl", "check-profile", "http://0.0.0.0:9/",
                                       "--profile", "sample"])
    assert result.exit_code == 1
    assert "address-refused" in result.output and "unspecified address" in result.output


def test_one_row_per_page_whatever_the_query_order_and_other_schemes_are_recorded(
        tmp_path, catalog_path):
    site, result = crawl(tmp_path, catalog_path, "/dupes")
    rows = dict(open_catalog(catalog_path, read_only=True).query(
        "SELECT url, reason FROM pages"))
    assert site.paths().count("/crag?a=1&b=2") == 1 and "/crag?b=2&a=1" not in site.paths()
    assert rows["mailto:guide@example.org"] == "unsupported-scheme"
    assert rows["ftp://example.org/topos.zip"] == "unsupported-scheme"


@pytest.mark.parametrize("text, message", [
    (b"[crawl]\ncontact = \"caf\xe9\"\n", "not UTF-8 text (byte 22 is 0xe9)"),
    (b"[crawl]\ntimeout = nan\n", "crawl.timeout = nan, expected a number"),
    (b"[crawl]\ntimeout = inf\n", "crawl.timeout = inf, expected a number"),
    (b"[crawl]\nuser_agent = \"bot/{0}\"\n",
     "crawl.user_agent = 'bot/{0}', expected a text whose only {fields} are"),
    (b"[crawl.profile.mine]\nphoto = \"figure[\"\n",
     "crawl.profile.mine.photo = 'figure[', expected a CSS selector"),
])
def test_a_slip_in_the_config_is_one_line_naming_file_and_key(text, message, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_bytes(text)
    result = CliRunner().invoke(main, ["report", "--list", "--config", str(config)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {config}: ") and message in lines[0]
