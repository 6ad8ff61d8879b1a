"""The report command and the shared command plumbing, end to end with CliRunner."""

import json

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from catalog.reports import available_reports, report_query
from cragcat.cli import main, report

SUMMARY_KEYS = {"sources", "areas", "routes", "images", "near_duplicate_clusters",
                "sightings", "labels", "tags"}


def invoke(command, args):
    return CliRunner().invoke(command, args, catch_exceptions=False)


@pytest.fixture(autouse=True)
def new_catalog(catalog_path):
    """Reports read a catalog; they never create one (a crawl does)."""
    open_catalog(catalog_path).close()


def test_summary_of_a_new_catalog_is_all_zeros(catalog_path):
    result = invoke(report, ["summary", "--format", "json", "--catalog", str(catalog_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert SUMMARY_KEYS <= set(summary)
    assert all(summary[k] == 0 for k in SUMMARY_KEYS)
    assert summary["tags_by_class"] == {} and summary["labels_by_class"] == {}


def test_summary_counts_labels_by_class(catalog_path):
    with open_catalog(catalog_path) as catalog, catalog.transaction() as tx:
        tx.executemany("INSERT INTO labels (sha256, label, origin) VALUES (?, ?, 'test')",
                       [("a", "topo"), ("b", "topo"), ("c", "glory")])
    result = invoke(main, ["report", "summary", "--json", "--catalog", str(catalog_path)])
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["labels"] == 3
    assert summary["labels_by_class"] == {"glory": 1, "topo": 2}


def test_summary_as_table_and_csv(catalog_path):
    table = invoke(report, ["summary", "--catalog", str(catalog_path)])
    assert table.exit_code == 0 and "near_duplicate_clusters" in table.stdout
    csv_out = invoke(report, ["summary", "--format", "csv", "--catalog", str(catalog_path)])
    header, row = csv_out.stdout.strip().splitlines()
    assert header.startswith("sources,areas,routes") and row.startswith("0,0,0")


def test_list_names_every_report_with_a_description(catalog_path):
    result = invoke(report, ["--list", "--catalog", str(catalog_path)])
    assert result.exit_code == 0
    assert "summary" in result.stdout and "What the catalog holds" in result.stdout


def test_adhoc_sql_reads(catalog_path):
    result = invoke(report, ["--sql", "SELECT 40 + 2 AS answer", "--format", "json",
                             "--catalog", str(catalog_path)])
    assert json.loads(result.stdout) == [{"answer": 42}]


@pytest.mark.parametrize("sql", [
    "INSERT INTO labels (sha256, label, origin) VALUES ('a', 'b', 'c')",
    "DROP TABLE images",
    "COPY (SELECT 1) TO 'leak.csv'",
])
def test_adhoc_sql_cannot_write(catalog_path, sql, tmp_path):
    result = invoke(report, ["--sql", sql, "--catalog", str(catalog_path)])
    assert result.exit_code == 1
    assert "read-only connection" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "leak.csv").exists()
    with open_catalog(catalog_path) as catalog:
        assert catalog.scalar("SELECT count(*) FROM images") == 0


def test_bad_sql_is_one_clear_line(catalog_path):
    result = invoke(report, ["--sql", "SELEKT 1", "--catalog", str(catalog_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: query failed")


def test_unknown_report_is_a_usage_error(catalog_path):
    result = invoke(report, ["nonsense", "--catalog", str(catalog_path)])
    assert result.exit_code == 2 and "report --list" in result.stderr


def test_bad_config_key_is_one_line_and_exit_2(catalog_path, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[catalog]\npth = 'x.duckdb'\n")
    result = invoke(report, ["summary", "--config", str(config), "--catalog", str(catalog_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {config}: unknown setting 'catalog.pth' " \
                                    "(see docs/configuration.md)"
    assert result.stdout == ""


def test_catalog_setting_from_config_file(tmp_path):
    (tmp_path / "config.toml").write_text("[catalog]\npath = 'from-config.duckdb'\n")
    open_catalog(tmp_path / "from-config.duckdb").close()
    (tmp_path / "catalog.duckdb").unlink()  # the default path: refused if it were used
    result = invoke(report, ["summary", "--quiet"])
    assert result.exit_code == 0, result.output


def test_foreign_file_is_exit_1_with_message(catalog_path):
    catalog_path.write_text("not a catalog")
    result = invoke(report, ["summary", "--catalog", str(catalog_path)])
    assert result.exit_code == 1
    assert "is not a cragcat catalog" in result.stderr
    assert catalog_path.read_text() == "not a catalog"


def test_second_writer_from_the_command_line(held_catalog):
    result = invoke(report, ["summary", "--catalog", str(held_catalog)])
    assert result.exit_code == 1
    assert f"catalog {held_catalog} is in use by " in result.stderr
    assert "(PID " in result.stderr  # what DuckDB says holds it


def test_every_command_help_lists_options_with_defaults():
    result = invoke(main, ["report", "--help"])
    assert result.exit_code == 0
    for option in ("--catalog", "--config", "--quiet", "--json", "--format", "--limit"):
        assert option in result.output
    assert "default: catalog.duckdb" in result.output


def test_a_view_over_every_photo_is_shown_in_its_report_order(catalog_path):
    """photo_tags has no ORDER BY of its own (a filtered query never sorts every photo):
    `report photo_tags` orders it, and --limit is in the SQL, not a cut of every row."""
    reports = available_reports()
    assert reports["photo_tags"].order == "sha256"
    assert "ORDER BY" not in reports["photo_tags"].sql.upper()
    assert report_query(reports["photo_tags"], 2) == \
        "SELECT * FROM photo_tags ORDER BY sha256 LIMIT 2"
    assert report_query(reports["summary"]) == "SELECT * FROM summary"
    with open_catalog(catalog_path) as catalog, catalog.transaction() as tx:
        for sha in ("c" * 64, "a" * 64, "d" * 64, "b" * 64):
            tx.execute("INSERT INTO images (sha256, bytes, format, width, height, mode, phash, "
                       "original_path, derivative_path) VALUES (?, 1, 'JPEG', 1, 1, 'RGB', 0, "
                       "'o', 'd')", [sha])
    result = invoke(report, ["photo_tags", "--limit", "2", "--format", "json",
                             "--catalog", str(catalog_path)])
    assert [r["sha256"] for r in json.loads(result.stdout)] == ["a" * 64, "b" * 64]
