"""The openbeta source: its queries conform to the real OpenBeta schema, and a crawl
of the sample site's GraphQL endpoint yields the manifest's images and sightings."""

import json

import pytest
from click.testing import CliRunner
from graphql import parse, validate

from catalog import open_catalog
from crawler.cli import crawl
from crawler.openbeta import QUERIES
from tests import crawler_truth as truth
from tests.conftest import real_openbeta_schema

CONFIG = """
[crawl]
delay = 0.0
host_concurrency = 4
private_hosts = ["127.0.0.1"]
backoff = 0.05
"""


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_validates_against_the_real_schema(name):
    errors = validate(real_openbeta_schema(), parse(QUERIES[name]))
    assert not errors, [e.message for e in errors]


def crawl_openbeta(site, catalog_path, tmp_path, area, exit_code=0):
    config = tmp_path / "ob.toml"
    config.write_text(CONFIG)
    result = CliRunner().invoke(crawl, [
        "--source", "openbeta", "--api-url", site.url + "graphql",
        "--media-url", site.url + "media", "--area", area, "--catalog", str(catalog_path),
        "--config", str(config), "--json"])
    assert result.exit_code == exit_code, result.output
    return json.loads(next(line for line in reversed(result.output.strip().splitlines())
                           if line.startswith("{")))


def api_images(manifest):
    return {p["sha256"] for p in truth.crawlable(manifest) if p["path"].startswith("/media/")}


def test_a_crawl_from_the_root_area_by_name(tiny_site, catalog_path, tmp_path):
    manifest = tiny_site.manifest
    root = next(a for a in manifest["areas"] if a["parent"] is None)
    figures = crawl_openbeta(tiny_site, catalog_path, tmp_path, root["name"])
    catalog = open_catalog(catalog_path, read_only=True)
    assert {r[0] for r in catalog.query("SELECT sha256 FROM images")} == api_images(manifest)
    assert truth.openbeta_sightings(catalog) == truth.expected_openbeta_sightings(manifest)
    assert figures["images_new"] == len(api_images(manifest)) and figures["images_failed"] == 0
    routes = dict(catalog.query("SELECT external_id, name FROM routes"))
    assert routes == {r["uuid"]: r["name"] for r in manifest["routes"]}
    grades = {r[0]: (r[1], r[2], list(r[3])) for r in catalog.query(
        "SELECT external_id, grade_system, grade_value, route_types FROM routes")}
    systems, types = {"vscale": "v"}, {"tr": "top rope"}  # the API's names; the rest agree
    assert grades == {r["uuid"]: (systems.get(r["grade_system"], r["grade_system"]),
                                  r["grade"], [types.get(r["type"], r["type"])])
                      for r in manifest["routes"]}
    parents = dict(catalog.query("SELECT a.external_id, p.external_id FROM areas a "
                                 "LEFT JOIN areas p ON p.area_id = a.parent_id"))
    assert parents == {a["uuid"]: a["parent"] for a in manifest["areas"]}
    posts = [e for e in tiny_site.request_log() if e["path"] == "/graphql"]
    assert len(posts) == len(manifest["areas"]) + 1  # the name lookup, then one per area


def test_a_crawl_from_a_sub_area_by_uuid_stays_inside_it(tiny_site, catalog_path, tmp_path):
    manifest = tiny_site.manifest
    crag = next(a for a in manifest["areas"] if a["kind"] == "crag")
    inside = {crag["uuid"]}
    for area in manifest["areas"]:  # areas are listed parents first
        if area["parent"] in inside:
            inside.add(area["uuid"])
    crawl_openbeta(tiny_site, catalog_path, tmp_path, crag["uuid"])
    catalog = open_catalog(catalog_path, read_only=True)
    crawled = {r[0] for r in catalog.query("SELECT url FROM pages WHERE kind = 'api'")}
    assert {u.rsplit("/", 1)[1] for u in crawled} == inside


def test_an_unknown_area_name_is_a_recorded_failure(tiny_site, catalog_path, tmp_path):
    # a crawl that fetched nothing exits 1 with the reason (and its figures)
    figures = crawl_openbeta(tiny_site, catalog_path, tmp_path, "Nowhere Crag", exit_code=1)
    assert figures["failures"] == {"no-such-area": 1} and figures["images_new"] == 0


def test_openbeta_needs_an_area(catalog_path):
    result = CliRunner().invoke(crawl, ["--source", "openbeta", "--catalog", str(catalog_path)])
    assert result.exit_code == 2 and "--area" in result.output
