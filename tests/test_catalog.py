"""Opening, migrating and refusing catalog files; the single writer."""


import duckdb
import pytest

from catalog import latest_version, open_catalog
from catalog.connection import migrations
from catalog.reports import available_reports
from cragcat.errors import CatalogError, CatalogInUse

DESIGN_TABLES = {"sources", "areas", "routes", "pages", "images", "sightings", "labels",
                 "splits", "models", "tags", "route_covers", "train_runs", "train_epochs",
                 "crawl_errors"}


def tables_of(catalog):
    return {r[0] for r in catalog.query(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'")}


def test_new_catalog_has_every_table_and_records_its_migrations(catalog_path):
    with open_catalog(catalog_path) as catalog:
        assert DESIGN_TABLES <= tables_of(catalog)
        recorded = catalog.query("SELECT version, name FROM schema_migrations ORDER BY version")
        assert recorded == [(v, n) for v, n, _ in migrations()]
        assert catalog.schema_version() == latest_version()


def test_reopening_applies_nothing_twice_and_keeps_rows(catalog_path):
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            tx.execute("INSERT INTO labels (sha256, label, origin) VALUES ('ab', 'topo', 'test')")
    with open_catalog(catalog_path) as catalog:
        assert catalog.scalar("SELECT count(*) FROM schema_migrations") == len(migrations())
        assert catalog.query("SELECT sha256, label FROM labels") == [("ab", "topo")]


def test_a_failed_transaction_leaves_nothing(catalog_path):
    with open_catalog(catalog_path) as catalog:
        with pytest.raises(duckdb.Error):
            with catalog.transaction() as tx:
                tx.execute("INSERT INTO labels (sha256, label, origin) VALUES ('a', 'topo', 't')")
                tx.execute("INSERT INTO labels (sha256, label, origin) VALUES ('a', 'topo', 't')")
        assert catalog.scalar("SELECT count(*) FROM labels") == 0


def test_report_views_do_not_shadow_tables(catalog_path):
    with open_catalog(catalog_path) as catalog:
        assert not set(available_reports()) & tables_of(catalog)


def test_newer_schema_is_refused_and_left_untouched(catalog_path):
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            tx.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
    before = catalog_path.read_bytes()
    with pytest.raises(CatalogError, match="newer cragcat"):
        open_catalog(catalog_path)
    assert catalog_path.read_bytes() == before


@pytest.mark.parametrize("content", [b"", b"hello, not a database\n" * 100, bytes(range(256)) * 64])
def test_a_file_that_is_not_duckdb_is_refused_and_left_untouched(catalog_path, content):
    catalog_path.write_bytes(content)
    with pytest.raises(CatalogError, match="not a cragcat catalog"):
        open_catalog(catalog_path)
    assert catalog_path.read_bytes() == content
    assert sorted(p.name for p in catalog_path.parent.iterdir()) == [catalog_path.name]


def test_a_foreign_duckdb_file_is_refused_and_left_untouched(catalog_path):
    con = duckdb.connect(str(catalog_path))
    con.execute("CREATE TABLE climbs (name VARCHAR)")
    con.close()
    before = catalog_path.read_bytes()
    with pytest.raises(CatalogError, match="DuckDB file but not a cragcat catalog"):
        open_catalog(catalog_path)
    assert catalog_path.read_bytes() == before


def test_read_only_catalog_refuses_writes(catalog_path):
    open_catalog(catalog_path).close()
    with open_catalog(catalog_path, read_only=True) as catalog:
        with pytest.raises(CatalogError, match="read-only"):
            with catalog.transaction():
                pass
        with pytest.raises(duckdb.Error):
            catalog.query("INSERT INTO labels (sha256, label, origin) VALUES ('a', 'b', 'c')")


def test_second_writer_gets_in_use_error(held_catalog):
    with pytest.raises(CatalogInUse) as info:
        open_catalog(held_catalog)
    assert str(info.value).startswith(f"catalog {held_catalog} is in use by ")
    assert info.value.holder.endswith(")") and "(PID " in info.value.holder
