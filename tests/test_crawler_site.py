"""The html source against the real sample site: faults on, every result checked
against the site's manifest and its server's request log."""

import asyncio
import json
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from crawler.cli import crawl
from tests import crawler_truth as truth

FAST = """
[crawl]
retries = 4
backoff = 0.05
timeout = 10
"""


def run_crawl(site, catalog_path, tmp_path, config=FAST, *extra):
    config_path = tmp_path / "crawl.toml"
    config_path.write_text(config)
    result = CliRunner().invoke(crawl, ["--profile", "sample", "--start", site.url,
                                        "--catalog", str(catalog_path), "--config",
                                        str(config_path), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def chaos_crawl(tmp_path_factory, sample_site_cache):
    """One crawl of the tiny site with every fault plan at once (shared by the tests below)."""
    from samplesite import build_site, serve_in_thread
    tmp = tmp_path_factory.mktemp("chaos")
    site_dir = build_site("tiny", seed=0, cache_dir=sample_site_cache)
    with serve_in_thread(site_dir, faults="chaos", crawl_delay=0) as site:
        figures = run_crawl(site, tmp / "catalog.duckdb", tmp)
        log = site.request_log()
    return site, figures, log, open_catalog(tmp / "catalog.duckdb", read_only=True)


def test_every_good_photo_is_ingested_exactly_once(chaos_crawl):
    site, figures, _, catalog = chaos_crawl
    expected = truth.expected_images(site.manifest, site.site_dir)
    assert {r[0] for r in catalog.query("SELECT sha256 FROM images")} == expected
    assert figures["images_new"] == len(expected)
    assert catalog.scalar("SELECT count(*) FROM pages WHERE state = 'queued'") == 0


def test_every_sighting_is_kept(chaos_crawl):
    site, figures, _, catalog = chaos_crawl
    gif = truth.animation_sha(site.site_dir)  # a bad item: in a gallery, not in the manifest
    found = truth.html_sightings(catalog)
    assert {s for s in found if s[0] != gif} == truth.expected_html_sightings(site.manifest)
    assert len([s for s in found if s[0] == gif]) == 1
    assert figures["sightings"] == catalog.scalar("SELECT count(*) FROM sightings")
    credit = catalog.query("SELECT caption, credit, licence FROM sightings WHERE caption "
                           "IS NOT NULL LIMIT 1")
    assert credit and all(credit[0])


def test_bad_items_are_recorded_with_the_right_reason(chaos_crawl):
    site, _, _, catalog = chaos_crawl
    states = {urlsplit(url).path if urlsplit(url).hostname == "127.0.0.1" else url: (s, r)
              for url, s, r in catalog.query("SELECT url, state, reason FROM pages")}
    want = {"truncated_jpeg": ("failed", "truncated"),
            "html_served_as_image": ("failed", "not-an-image"),
            "decompression_bomb": ("failed", "decompression-bomb"),
            "zero_bytes": ("failed", "empty"), "svg": ("failed", "svg"),
            "animated_gif": ("done", None), "not_found": ("failed", "http-404"),
            "redirect_loop": ("failed", "too-many-redirects"),
            "private_address": ("skipped", "off-site"), "external_host": ("skipped", "off-site")}
    for bad in site.manifest["bad"]:
        if bad["problem"] in want:
            assert states[bad["path"]] == want[bad["problem"]], bad
    failures = dict(catalog.query("SELECT reason, count(*) FROM crawl_errors GROUP BY reason"))
    assert failures["truncated"] == 1 and failures["svg"] == 1
    report = {(state, reason) for state, reason in catalog.query(
        "SELECT state, reason FROM crawl_failures")}  # the report view users read
    assert {("skipped", "robots"), ("skipped", "off-site"), ("failed", "http-404")} <= report


def test_no_disallowed_path_is_ever_requested(chaos_crawl):
    site, _, log, catalog = chaos_crawl
    disallowed = tuple(site.manifest["robots_disallowed"])
    assert log and not [e["path"] for e in log if e["path"].startswith(disallowed)]
    skipped = [urlsplit(u).path for (u,) in catalog.query(
        "SELECT url FROM pages WHERE reason = 'robots'")]
    assert skipped and all(p.startswith(disallowed) for p in skipped)


def test_faults_were_met_and_retried(chaos_crawl):
    _, figures, log, _ = chaos_crawl
    faults = {e["fault"] for e in log if e["fault"]}
    assert {"error", "throttle", "reset", "redirect"} <= faults
    assert figures["retries"] > 0


def test_retry_after_is_honoured(chaos_crawl):
    _, _, log, _ = chaos_crawl
    throttled = [e for e in log if e["status"] == 429]
    assert throttled
    for entry in throttled:
        later = [e for e in log if e["path"] == entry["path"] and e["time"] > entry["time"]]
        assert later, entry
        # the sample site asks for 1 s (seconds form) or a date 2 s ahead (HTTP-date form)
        assert later[0]["time"] - entry["time"] >= 0.95


def test_near_duplicate_clusters_match_the_ground_truth(chaos_crawl):
    site, _, _, catalog = chaos_crawl
    assert truth.catalog_pairs(catalog) == truth.true_pairs(site.manifest)
    for overlay in site.manifest["expected"]["topo_overlays"]:
        clusters = dict(catalog.query("SELECT sha256, cluster_id FROM images WHERE sha256 IN "
                                      "(?, ?)", [overlay["topo_sha256"], overlay["plain_sha256"]]))
        assert clusters[overlay["topo_sha256"]] != clusters[overlay["plain_sha256"]]


def test_the_area_tree_and_routes_are_recorded(chaos_crawl):
    site, _, _, catalog = chaos_crawl
    routes = {r[0] for r in catalog.query("SELECT external_id FROM routes")}
    assert routes == {r["uuid"] for r in site.manifest["routes"] if r["photos"]} | (
        routes & {r["uuid"] for r in site.manifest["routes"]})
    parents = dict(catalog.query("SELECT a.external_id, p.external_id FROM areas a "
                                 "LEFT JOIN areas p ON p.area_id = a.parent_id"))
    for area in site.manifest["areas"]:
        if area["uuid"] in parents:
            assert parents[area["uuid"]] == area["parent"], area["name"]
    placed = dict(catalog.query("SELECT r.external_id, a.external_id FROM routes r "
                                "JOIN areas a ON a.area_id = r.area_id"))
    assert placed and all(placed[r["uuid"]] == r["area"] for r in site.manifest["routes"]
                          if r["uuid"] in placed)


def test_route_grades_and_types_are_read_as_data(chaos_crawl):
    site, _, _, catalog = chaos_crawl
    found = {r[0]: (r[1], r[2], list(r[3] or [])) for r in catalog.query(
        "SELECT external_id, grade_system, grade_value, route_types FROM routes")}
    systems, types = {"vscale": "v"}, {"tr": "top rope"}
    expected = {r["uuid"]: (systems.get(r["grade_system"], r["grade_system"]), r["grade"],
                            [types.get(r["type"], r["type"])]) for r in site.manifest["routes"]}
    assert found and all(found[uuid] == expected[uuid] for uuid in found)


def test_a_second_crawl_of_an_unchanged_site_adds_nothing(tiny_site, catalog_path, tmp_path):
    run_crawl(tiny_site, catalog_path, tmp_path)
    catalog = open_catalog(catalog_path)
    counts = "SELECT (SELECT count(*) FROM images), (SELECT count(*) FROM sightings), " \
             "(SELECT count(*) FROM pages), (SELECT count(*) FROM areas)"
    before, requests = catalog.query(counts), len(tiny_site.request_log())
    catalog.close()
    figures = run_crawl(tiny_site, catalog_path, tmp_path)
    assert (figures["pages"], figures["images_new"], figures["sightings"]) == (0, 0, 0)
    assert open_catalog(catalog_path).query(counts) == before
    assert len(tiny_site.request_log()) == requests


def test_per_host_delay_is_respected_by_the_server_clock(site_factory, catalog_path, tmp_path):
    site = site_factory(crawl_delay=0)
    config = FAST + "[crawl.profile.sample]\ndelay = 0.3\nconcurrency = 1\n"
    run_crawl(site, catalog_path, tmp_path, config, "--max-pages", "4", "--max-images", "2")
    times = sorted(e["time"] for e in site.request_log())
    assert len(times) >= 5
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.29


def test_robots_crawl_delay_wins_when_larger(site_factory, catalog_path, tmp_path):
    site = site_factory(crawl_delay=0.4)
    run_crawl(site, catalog_path, tmp_path, FAST, "--max-pages", "3", "--max-images", "2")
    times = sorted(e["time"] for e in site.request_log())
    # The server logs a request when its handler runs, some ms after the crawler sent
    # it; on a loaded machine that lag varies, so the gap is checked with 50 ms slack.
    assert len(times) >= 4 and min(b - a for a, b in zip(times, times[1:])) >= 0.35


def test_limits_stop_the_run_and_the_next_run_continues(tiny_site, catalog_path, tmp_path):
    figures = run_crawl(tiny_site, catalog_path, tmp_path, FAST, "--max-pages", "4",
                        "--max-images", "5")
    assert figures["pages"] <= 4 and figures["images_new"] + figures["images_failed"] <= 5
    run_crawl(tiny_site, catalog_path, tmp_path)
    catalog = open_catalog(catalog_path, read_only=True)
    assert {r[0] for r in catalog.query("SELECT sha256 FROM images")} == \
        truth.expected_images(tiny_site.manifest, tiny_site.site_dir)


def test_max_depth_records_deeper_links_as_skipped(tiny_site, catalog_path, tmp_path):
    run_crawl(tiny_site, catalog_path, tmp_path, FAST, "--max-depth", "1")
    catalog = open_catalog(catalog_path, read_only=True)
    assert catalog.scalar("SELECT count(*) FROM pages WHERE reason = 'too-deep'") > 0
    assert catalog.scalar("SELECT max(depth) FROM pages WHERE kind = 'page' "
                          "AND state = 'done'") <= 1


def test_a_crawl_runs_where_an_event_loop_already_runs(tiny_site, catalog_path, tmp_path):
    """As from a notebook cell (or under Playwright's sync API): asyncio.run alone
    refuses to start inside a running loop; the crawl still does its whole job."""
    async def notebook_cell():
        return run_crawl(tiny_site, catalog_path, tmp_path, FAST)

    figures = asyncio.run(notebook_cell())
    catalog = open_catalog(catalog_path, read_only=True)
    assert figures["images_new"] > 0
    assert {r[0] for r in catalog.query("SELECT sha256 FROM images")} == \
        truth.expected_images(tiny_site.manifest, tiny_site.site_dir)
