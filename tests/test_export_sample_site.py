"""Exports of the tiny sample site's catalog, checked against the site's own truth
(manifest.json): an OpenBeta crawl's export carries OpenBeta's climb and media ids,
and the covers export, joined back to the manifest by route id, gives the cover
precision the demo reports."""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cragcat.cli import main
from samplesite.graphql_api import object_id
from tests.test_crawler_openbeta import crawl_openbeta

QUICK_DEMO = """
[sample_site]
cache_dir = "{cache}"

[train]
epochs = 2
image_size = 64
batch_size = 16
workers = 0

[tag]
# a low threshold so that a two-epoch model still gives every photo a class and
# most routes a cover: the point is the export's agreement with the demo's figure
threshold = 0.05
# and no P(butt) ceiling on covers: a two-epoch model is unsure of every class, and the
# point here is the export's agreement with the demo's figures, not the cover rule
cover_max_butt = 1.0
"""


def export(catalog_path, *args):
    result = CliRunner().invoke(main, ["export", *args, "--catalog", str(catalog_path),
                                       "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_an_openbeta_crawl_exports_climb_and_media_ids(tiny_site, catalog_path, tmp_path):
    manifest = tiny_site.manifest
    root = next(a for a in manifest["areas"] if a["parent"] is None)
    crawl_openbeta(tiny_site, catalog_path, tmp_path, root["name"])
    figures = export(catalog_path, "tags", "--out", str(tmp_path / "tags.json"))
    tags = json.loads((tmp_path / "tags.json").read_text())
    assert figures["records"] == len(tags) > 0
    media_ids: dict[str, set] = {}
    for photo in manifest["photos"]:
        media_ids.setdefault(photo["sha256"], set()).add(object_id(photo["path"]))
    climbs = {r["uuid"] for r in manifest["routes"]}
    for tag in tags:
        assert tag["source"] == "openbeta" and tag["photo_id"] in media_ids[tag["sha256"]]
        if tag["route_external_id"]:
            assert tag["route_external_id"] in climbs
            assert tag["page_url"] == f"openbeta:climb/{tag['route_external_id']}"
    assert {t["route_external_id"] for t in tags} - {None} == {
        r for p in manifest["photos"] if p["path"].startswith("/media/") and p["crawlable"]
        for r in p["routes"]}
    export(catalog_path, "covers", "--out", str(tmp_path / "covers.parquet"))
    covers = pq.read_table(tmp_path / "covers.parquet").to_pylist()
    assert {c["route_external_id"] for c in covers} == climbs
    assert all(c["cover_reason"] == "no cover: the catalog is not tagged yet" for c in covers)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_covers_joined_to_the_manifest_give_the_demos_precision(sample_site_cache, tiny_site_dir,
                                                                tmp_path):
    Path("config.toml").write_text(QUICK_DEMO.format(cache=sample_site_cache))
    result = CliRunner().invoke(main, ["demo", "--size", "tiny", "--out", str(tmp_path / "demo"),
                                       "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    demo = json.loads(result.stdout.strip().splitlines()[-1])
    catalog_path = tmp_path / "demo" / "catalog.duckdb"
    export(catalog_path, "covers", "--out", str(tmp_path / "covers.parquet"))
    covers = pq.read_table(tmp_path / "covers.parquet").to_pylist()
    manifest = json.loads((tiny_site_dir / "manifest.json").read_text())
    truth = {p["sha256"]: p["class"] for p in manifest["photos"]}
    routes = {r["uuid"] for r in manifest["routes"]}
    assert {c["route_external_id"] for c in covers} == routes
    chosen = [c for c in covers if c["cover_sha256"]]
    assert len(chosen) == demo["routes_with_cover"] > 0
    precision = sum(truth[c["cover_sha256"]] == "glory" for c in chosen) / len(chosen)
    print(f"covers from the export: {len(chosen)} of {len(covers)} routes, precision against "
          f"the manifest {precision:.4f}; the demo reports {demo['cover_precision']}")
    assert round(precision, 4) == demo["cover_precision"]
    assert all(c["cover_licence"] and c["cover_image_urls"] for c in chosen)
