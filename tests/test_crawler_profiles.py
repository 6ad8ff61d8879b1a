"""The shipped Mountain Project and theCrag profiles on real page structure, served on
loopback (tests/data/guidebooks, sources in its README): every photo card, captions,
credits and licences (Mountain Project's from each photo's own page), grades and
types as data, the sites' own ids, the area tree of the breadcrumbs, and the
profile quality report."""

import json

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from crawler.cli import crawl
from tests.crawler_server import serve
from tests.guidebook_pages import guidebook_app, harvest_figures, truth

CONFIG = """
[crawl]
private_hosts = ["127.0.0.1"]
retries = 0
timeout = 10

[crawl.profile.{site}]
delay = 0.0
concurrency = 4
"""


def crawl_site(site: str, tmp_path, *extra: str):
    """Crawl the saved pages of ``site`` with its shipped profile; (figures, catalog, log)."""
    config = tmp_path / "crawl.toml"
    config.write_text(CONFIG.format(site=site))
    catalog_path = tmp_path / f"{site}.duckdb"
    with serve(guidebook_app(site)) as served:
        starts = [arg for path in truth(site)["start"] for arg in ("--start", served.url + path)]
        result = CliRunner().invoke(crawl, ["--profile", site, *starts, "--catalog",
                                            str(catalog_path), "--config", str(config),
                                            "--json", *extra])
        log = served.paths()
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    return figures, open_catalog(catalog_path, read_only=True), log


@pytest.fixture(scope="module")
def mountainproject(tmp_path_factory):
    return crawl_site("mountainproject", tmp_path_factory.mktemp("mp"))


@pytest.fixture(scope="module")
def thecrag(tmp_path_factory):
    return crawl_site("thecrag", tmp_path_factory.mktemp("tc"))


def share(pair):
    right, total = pair
    return right / total


@pytest.mark.parametrize("site", ["mountainproject", "thecrag"])
def test_every_photo_card_is_harvested(site, request):
    figures = harvest_figures(request.getfixturevalue(site)[1], site)
    assert figures["cards"][0] == figures["cards"][1]


@pytest.mark.parametrize("site", ["mountainproject", "thecrag"])
def test_captions_credits_and_licences_reach_the_sightings(site, request):
    figures = harvest_figures(request.getfixturevalue(site)[1], site)
    assert share(figures["caption"]) >= 0.95
    assert share(figures["credit"]) >= 0.95
    assert share(figures["licence"]) >= 0.95


@pytest.mark.parametrize("site", ["mountainproject", "thecrag"])
def test_grades_and_types_are_data(site, request):
    figures = harvest_figures(request.getfixturevalue(site)[1], site)
    assert share(figures["grade"]) >= 0.95
    assert share(figures["type"]) >= 0.95


@pytest.mark.parametrize("site", ["mountainproject", "thecrag"])
def test_places_carry_the_sites_ids_and_the_breadcrumbs_tree(site, request):
    figures = harvest_figures(request.getfixturevalue(site)[1], site)
    for key in ("route_ids", "area_ids", "route_areas", "area_parents"):
        assert figures[key][0] == figures[key][1], key
    assert figures["extra_routes"] == [] and figures["extra_areas"] == []


def test_the_raw_grade_text_is_kept_beside_its_meaning(mountainproject):
    catalog = mountainproject[1]
    row = catalog.query("SELECT grade, grade_system, grade_value, route_type, route_types "
                        "FROM routes WHERE external_id = '1003'")[0]
    assert row[0].startswith("5.9+ YDS 5c French") and row[1:3] == ("yds", "5.9+")
    assert row[3].startswith("Trad") and list(row[4]) == ["trad"]


def test_each_photo_page_is_fetched_once_and_only_photo_pages_of_cards(mountainproject):
    _, catalog, log = mountainproject
    photo_pages = [p for p in log if p.startswith("/photo/")]
    assert len(photo_pages) == len(set(photo_pages)) == len(truth("mountainproject")["cards"])


def test_the_full_caption_of_the_photo_page_replaces_the_cards_truncated_one(mountainproject):
    catalog = mountainproject[1]
    captions = {r[0] for r in catalog.query(
        "SELECT caption FROM sightings WHERE image_url LIKE '%/9001_%'")}
    assert captions == {"Sunrise over the gorge from the upper overlook, the Sunny Wall in "
                        "the sun"}


def test_photo_pages_keep_the_depth_rule(tmp_path):
    """max_depth 1: Asia's photo page is one hop from a start page, fetched; Test
    Gorge's are two hops from Kentucky, recorded as too deep and never fetched."""
    _, catalog, log = crawl_site("mountainproject", tmp_path, "--max-depth", "1")
    assert "/photo/9100001/asia-overview" in log
    assert "/photo/9001/sunrise" not in log
    too_deep = {r[0] for r in catalog.query(
        "SELECT url FROM pages WHERE state = 'skipped' AND reason = 'too-deep'")}
    assert any(url.endswith("/photo/9001/sunrise") for url in too_deep)


def test_the_quality_report_counts_pages_per_selector(mountainproject):
    figures = mountainproject[0]
    report = figures["profile"]
    assert report["broken_selectors"] == []
    assert report["photo_pages"] == len(truth("mountainproject")["cards"])
    cards = truth("mountainproject")["cards"]
    assert report["selectors"]["photo"] == len({c["page"] for c in cards})
    # three areas list routes; the four 2024 route pages list their neighbours too
    assert report["selectors"]["route_links"] == 3 + 4
    catalog = mountainproject[1]
    total, captioned = catalog.query("SELECT count(*), count(caption) FROM sightings")[0]
    assert report["sightings"] == total and report["with_caption"] == round(captioned / total, 3)
    assert report["with_credit"] == 1.0  # every photo page names its photographer


def test_the_quality_report_is_stored_with_the_run(mountainproject):
    catalog = mountainproject[1]
    counts = json.loads(catalog.scalar("SELECT counts FROM crawl_runs ORDER BY run_id DESC "
                                       "LIMIT 1"))
    assert counts["profile"]["selectors"] == mountainproject[0]["profile"]["selectors"]
    row = catalog.query("SELECT profile, sightings, with_credit FROM profile_quality")[0]
    assert row[0] == "mountainproject" and row[2] == 1.0


def test_a_selector_that_matches_nothing_is_reported_broken(tmp_path):
    config = tmp_path / "crawl.toml"
    config.write_text(CONFIG.format(site="thecrag") + 'caption = ".no-such-caption"\n')
    with serve(guidebook_app("thecrag")) as served:
        result = CliRunner().invoke(crawl, [
            "--profile", "thecrag", "--start", served.url + truth("thecrag")["start"][0],
            "--catalog", str(tmp_path / "c.duckdb"), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "selector 'caption' matched on none of the pages" in result.output
    assert "profile: 7 pages, 0 photo pages; pages matched per selector:" in result.output


@pytest.mark.parametrize("pattern, words", [("^/area/(\\\\d+", "not a regular expression"),
                                            ("^/area/\\\\d+", "needs a group")])
def test_a_bad_url_pattern_is_one_clear_config_error(tmp_path, pattern, words):
    config = tmp_path / "crawl.toml"
    config.write_text(f'[crawl.profile.mountainproject]\narea_url_pattern = "{pattern}"\n')
    result = CliRunner().invoke(crawl, ["--profile", "mountainproject", "--start",
                                        "http://127.0.0.1:9/area/1/x", "--catalog",
                                        str(tmp_path / "c.duckdb"), "--config", str(config)])
    assert result.exit_code == 2 and words in result.output
    assert "area_url_pattern" in result.output and "Traceback" not in result.output
