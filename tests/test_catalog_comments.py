"""The schema documents itself: every table, view and column (of a table or a view) has a comment,
so DESCRIBE and duckdb_columns() explain the catalog in the DuckDB CLI or DBeaver."""

from catalog import open_catalog


def test_no_table_view_or_column_lacks_a_comment(catalog_path):
    with open_catalog(catalog_path) as catalog:
        tables = catalog.query("SELECT table_name FROM duckdb_tables() "
                               "WHERE NOT internal AND coalesce(comment, '') = ''")
        views = catalog.query("SELECT view_name FROM duckdb_views() "
                              "WHERE NOT internal AND coalesce(comment, '') = ''")
        columns = catalog.query(
            "SELECT table_name || '.' || column_name FROM duckdb_columns() "
            "WHERE NOT internal AND coalesce(comment, '') = '' ORDER BY 1")
        described = catalog.scalar("SELECT count(*) FROM duckdb_views() WHERE NOT internal")
    assert tables == [] and views == [] and columns == []
    assert described >= 15


def test_a_view_comment_is_its_description_line(catalog_path):
    with open_catalog(catalog_path) as catalog:
        comment = catalog.scalar("SELECT comment FROM duckdb_views() WHERE view_name = 'summary'")
        column = catalog.scalar("SELECT comment FROM duckdb_columns() "
                                "WHERE table_name = 'tags' AND column_name = 'probabilities'")
    assert comment.startswith("What the catalog holds")
    assert "MAP" in column


def test_view_columns_take_their_own_words_before_a_tables(catalog_path):
    with open_catalog(catalog_path) as catalog:
        comments = dict(catalog.query(
            "SELECT table_name || '.' || column_name, comment FROM duckdb_columns() "
            "WHERE column_name IN ('reason', 'probabilities', 'cover_licence')"))
    assert comments["routes_without_cover.reason"] == "Why the route has no cover."
    assert comments["photo_tags.probabilities"] == comments["tags.probabilities"]
    assert "licence" in comments["route_cards.cover_licence"]
