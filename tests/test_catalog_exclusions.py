"""A person's exclusions: append-only rows, near-duplicates follow, restore undoes."""

import pytest

from catalog import open_catalog
from catalog.exclusions import exclude_photos, excluded_sha256s, restore_photos
from cragcat.errors import UsageError


def add_image(tx, sha, cluster=None, canonical=True):
    tx.execute("INSERT INTO images (sha256, bytes, format, width, height, cluster_id, "
               "is_canonical, original_path, derivative_path) "
               "VALUES (?, 1, 'JPEG', 8, 8, ?, ?, 'o', 'd')", [sha, cluster, canonical])


@pytest.fixture
def catalog(catalog_path):
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            add_image(tx, "a", cluster="a")
            add_image(tx, "a2", cluster="a", canonical=False)
            add_image(tx, "b")
        yield catalog


def test_excluding_a_duplicate_excludes_its_whole_cluster(catalog):
    exclude_photos(catalog, ["a2"], "takedown request", reviewer="ana")
    assert excluded_sha256s(catalog) == {"a", "a2"}
    row = catalog.query_dicts("SELECT * FROM excluded_photos WHERE sha256 = 'a'")[0]
    assert (row["excluded_as"], row["reason"], row["reviewer"]) == ("a2", "takedown request", "ana")


def test_restore_is_a_new_row_and_the_exclusion_stays_on_record(catalog):
    exclude_photos(catalog, ["b"], "private person")
    restore_photos(catalog, ["b"], reviewer="ben")
    assert excluded_sha256s(catalog) == set()
    assert catalog.query("SELECT action FROM exclusions ORDER BY exclusion_id") == [
        ("exclude",), ("restore",)]


def test_an_exclusion_needs_a_reason(catalog):
    with pytest.raises(UsageError, match="reason"):
        exclude_photos(catalog, ["b"], "  ")
    assert catalog.scalar("SELECT count(*) FROM exclusions") == 0


def test_an_unknown_photo_can_be_excluded_before_it_is_crawled(catalog):
    exclude_photos(catalog, ["not-yet-seen"], "takedown request")
    assert excluded_sha256s(catalog) == {"not-yet-seen"}


def test_route_choices_shows_the_latest_choice_and_drops_cleared_ones(catalog):
    with catalog.transaction() as tx:
        tx.executemany("INSERT INTO cover_choices (route_id, kind, action, sha256, reason) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [(1, "cover", "reject", "a", "butt-shot"), (1, "cover", "pin", "b", None),
                        (2, "topo", "pin", "a", None), (2, "topo", "clear", None, None)])
    assert catalog.query("SELECT route_id, kind, action, sha256 FROM route_choices") == [
        (1, "cover", "pin", "b")]
