"""A photo a person excluded is never fetched again: its queued image URL is skipped
with the reason 'excluded' when a crawl starts (resumed or refreshed)."""

import json

from click.testing import CliRunner

from catalog import open_catalog
from catalog.exclusions import exclude_photos
from crawler.cli import crawl


def crawl_once(site, catalog_path) -> dict:
    config = catalog_path.with_name("empty.toml")
    config.touch()
    result = CliRunner().invoke(crawl, ["--start", site.url, "--catalog", str(catalog_path),
                                        "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_an_excluded_photo_is_skipped_not_fetched(tiny_site, catalog_path):
    crawl_once(tiny_site, catalog_path)
    with open_catalog(catalog_path) as catalog:
        url, sha = catalog.query("SELECT url, sha256 FROM pages WHERE kind = 'image' "
                                 "AND state = 'done' ORDER BY url LIMIT 1")[0]
        exclude_photos(catalog, [sha], "takedown request", "ann")
        with catalog.transaction() as tx:   # as a killed or refreshed crawl leaves it
            tx.execute("UPDATE pages SET state = 'queued' WHERE url = ?", [url])
    fetched_before = sum(1 for r in tiny_site.request_log() if r["path"].split("?")[0].endswith(url.split("/")[-1]))
    crawl_once(tiny_site, catalog_path)
    fetched_after = sum(1 for r in tiny_site.request_log() if r["path"].split("?")[0].endswith(url.split("/")[-1]))
    with open_catalog(catalog_path, read_only=True) as catalog:
        assert catalog.query_one("SELECT state, reason FROM pages WHERE url = ?", [url]) == \
            ("skipped", "excluded")
    assert fetched_before >= 1 and fetched_after == fetched_before
