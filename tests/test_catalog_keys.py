"""catalog.keys: the rows an ON CONFLICT DO NOTHING insert would write, found by index lookups."""

from catalog import open_catalog
from catalog.keys import LOOKUP_KEYS, held_keys, new_rows


def test_new_rows_are_the_first_of_each_key_the_table_does_not_hold(catalog_path):
    with open_catalog(catalog_path) as catalog, catalog.transaction() as tx:
        tx.execute("INSERT INTO pages (url, source_id, kind, state) VALUES "
                   "('http://127.0.0.1/held', 1, 'page', 'done')")
        rows = [("http://127.0.0.1/new", "first"), ("http://127.0.0.1/held", "x"),
                ("http://127.0.0.1/new", "second"), ("http://127.0.0.1/other", "y")]
        assert new_rows(tx, "pages", "url", rows) == [
            ("http://127.0.0.1/new", "first"), ("http://127.0.0.1/other", "y")]


def test_held_keys_looks_up_more_keys_than_one_statement_takes(catalog_path):
    urls = [f"http://127.0.0.1/p{i}" for i in range(LOOKUP_KEYS * 2 + 5)]
    with open_catalog(catalog_path) as catalog, catalog.transaction() as tx:
        tx.execute("INSERT INTO pages (url, source_id, kind, state) "
                   "SELECT unnest(?), 1, 'page', 'done'", [urls[::3]])
        assert held_keys(tx, "pages", "url", urls + ["http://127.0.0.1/none"]) == set(urls[::3])
