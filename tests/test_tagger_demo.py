"""`cragcat demo` end to end on the real sample site: served on 127.0.0.1 port 0,
crawled, labelled, trained (a short run), tagged, covers chosen, sheet drawn."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from cragcat.cli import main
from tagger.cover_check import check_covers

SITE_CACHE = """
[sample_site]
cache_dir = "{cache}"
"""
QUICK_TRAINING = """
[train]
epochs = 2
image_size = 64
batch_size = 16
workers = 0
"""


def write_config(cache: Path, quick: bool) -> Path:
    path = Path("config.toml")  # each test runs in its own temporary folder
    path.write_text(SITE_CACHE.format(cache=cache) + (QUICK_TRAINING if quick else ""))
    return path


def demo(*args):
    return CliRunner().invoke(main, ["demo", *args], catch_exceptions=False)


@pytest.mark.slow
def test_demo_on_the_tiny_site_ends_with_the_sheet_and_sql(sample_site_cache, tmp_path):
    write_config(sample_site_cache, quick=True)
    result = demo("--size", "tiny", "--out", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    sheet = tmp_path / "demo" / "sheet" / "index.html"
    assert sheet.is_file() and f"open {sheet}" in result.output
    assert "report --sql" in result.output and "report route_cards" in result.output
    with open_catalog(tmp_path / "demo" / "catalog.duckdb") as catalog:
        canonical = catalog.scalar("SELECT count(*) FROM images WHERE is_canonical")
        tagged = catalog.scalar("SELECT count(*) FROM tags")
        covers = catalog.scalar("SELECT count(*) FROM route_covers WHERE kind = 'cover'")
        routes = catalog.scalar("SELECT count(*) FROM routes")
    assert canonical > 0 and tagged == canonical  # every canonical photo, exactly once
    assert routes == 10 and covers == routes      # a row (cover or reason) for every route


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_covers_on_the_small_site_are_true_glory_shots(sample_site_cache, tmp_path):
    """The issue's done-when: after train, in >= 95% of the routes with a glory candidate
    the cover is a glory-shot in the site's ground truth (labels.csv)."""
    write_config(sample_site_cache, quick=False)  # train with the defaults
    result = demo("--size", "small", "--out", str(tmp_path / "demo"), "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    with open_catalog(tmp_path / "demo" / "catalog.duckdb") as catalog:
        check = check_covers(catalog, catalog.scalar("SELECT model_id FROM current_model"))
    print(f"true glory covers: {check.true_glory_covers}/{check.routes_with_cover} "
          f"= {check.precision:.3f}; routes with a true glory-shot that got one: "
          f"{check.coverage:.3f}; wrong covers: {check.wrong_covers}")
    assert figures["cover_precision"] == round(check.precision, 4)
    assert check.routes_with_cover >= 0.8 * check.routes_with_true_glory
    assert check.precision >= 0.95
