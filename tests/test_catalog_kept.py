"""Reports kept as tables (catalog.kept): read while current, computed live after any write."""

import json

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from catalog.kept import current_kept_table, keep_reports, kept_state
from catalog.reports import available_reports, report_query
from cragcat.cli import main
from tagger.cover_catalog import choose_covers
from tagger.tagging import TagOptions, tag_catalog
from tests.tagger_helpers import ColourArtifact, add_area, add_photo, add_route, add_sighting
from tests.test_tagger_cli import artifact_file, tag  # noqa: F401 (a fixture, a helper)

KEPT = sorted(name for name, r in available_reports().items() if r.kept)


@pytest.fixture
def crag(catalog_path):
    """Two routes on one crag, tagged by a real (tiny) model, covers chosen."""
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            add_area(tx, 1, "Crag")
            add_route(tx, 1, 1, "Arete")
            add_route(tx, 2, 1, "Corner")
            for i, colour in enumerate(["glory", "butt", "topo", "unsure"]):
                add_sighting(tx, add_photo(catalog, tx, f"p{i}", colour), 1 + i % 2, 1)
        artifact = ColourArtifact()
        tag_catalog(catalog, artifact, TagOptions.from_settings(batch_size=8, workers=0,
                                                                backend="eager"))
        choose_covers(catalog, artifact.model_id)
    return catalog_path


def report_json(catalog_path, name):
    result = CliRunner().invoke(main, ["report", name, "--format", "json",
                                       "--catalog", str(catalog_path)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_heavy_reports_are_kept_and_the_cheap_ones_not():
    assert {"route_cards", "review_queue", "photo_tags", "class_share_by_area",
            "shared_photos", "summary"} <= set(KEPT)
    assert "current_model" not in KEPT and "training" not in KEPT


def test_kept_rows_are_the_live_rows_in_report_order(crag):
    with open_catalog(crag) as catalog:
        kept = keep_reports(catalog)
        assert sorted(k.name for k in kept) == KEPT
        for report in (available_reports()[name] for name in KEPT):
            table = current_kept_table(catalog.con, report)
            assert table == f"kept.{report.name}"
            live = catalog.query(report_query(report))
            assert catalog.query(report_query(report, kept=table)) == live, report.name
        assert catalog.scalar("SELECT count(*) FROM kept.route_cards") == 2


def test_a_current_kept_report_is_what_report_shows(crag):
    with open_catalog(crag) as catalog:
        keep_reports(catalog, ["routes_without_cover"])
        # a sentinel row only the kept table has proves that `report` read it
        catalog.con.execute("INSERT INTO kept.routes_without_cover (route) VALUES ('kept row')")
    assert "kept row" in [r["route"] for r in report_json(crag, "routes_without_cover")]


def test_any_write_makes_the_report_live_again(crag):
    with open_catalog(crag) as catalog:
        keep_reports(catalog, ["route_cards"])
        before = kept_state(catalog.con)["route_cards"]
        with catalog.transaction() as tx:
            tx.execute("UPDATE routes SET name = 'Renamed Arete' WHERE route_id = 1")
        assert current_kept_table(catalog.con, available_reports()["route_cards"]) is None
        assert before["current"] and not kept_state(catalog.con)["route_cards"]["current"]
    assert "Renamed Arete" in [r["route"] for r in report_json(crag, "route_cards")]


def test_a_transaction_that_changes_no_data_keeps_the_copies_current(crag):
    with open_catalog(crag) as catalog:
        keep_reports(catalog)
        with catalog.transaction(changes=False):
            pass
    with open_catalog(crag) as catalog:  # a writable open recreates nothing it counts
        assert all(state["current"] for state in kept_state(catalog.con).values())


def test_copies_made_by_other_views_are_not_read(crag):
    with open_catalog(crag) as catalog:
        keep_reports(catalog, ["summary"])
        catalog.con.execute("UPDATE kept_reports SET views = 'an older cragcat'")
        assert current_kept_table(catalog.con, available_reports()["summary"]) is None


def test_report_keep_command_keeps_all_or_one_and_refuses_a_cheap_one(crag):
    result = CliRunner().invoke(main, ["report", "--keep", "--catalog", str(crag), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"reports": len(KEPT)}
    one = CliRunner().invoke(main, ["report", "summary", "--keep", "--catalog", str(crag)])
    assert one.exit_code == 0 and "summary" in one.stdout
    cheap = CliRunner().invoke(main, ["report", "training", "--keep", "--catalog", str(crag)])
    assert cheap.exit_code == 2 and "not a kept report" in cheap.output


@pytest.mark.parametrize("keep_from, kept", [("0", len(KEPT)), ("-1", 0), ("1000", 0)])
def test_tag_catalog_keeps_the_reports_from_report_keep_from(crag, artifact_file, keep_from,
                                                             kept, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f"[report]\nkeep_from = {keep_from}\n")
    result, figures = tag(crag, "--model", str(artifact_file), "--config", str(config))
    assert result.exit_code == 0, result.output
    assert figures.get("reports_kept", 0) == kept
    with open_catalog(crag) as catalog:
        assert len(kept_state(catalog.con)) == kept
