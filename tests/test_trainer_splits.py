"""The stored split: stratified, stable, clusters whole, new labels join without moves."""

import random

from catalog import open_catalog
from tests.trainer_photos import add_photo, draw_photo, labelled_catalog
from trainer.labels import labelled_photos
from trainer.splits import assign_splits, split_counts

CLASSES = ["glory", "butt", "topo"]


def _split(path, seed=0):
    with open_catalog(path) as catalog:
        photos, _ = labelled_photos(catalog, CLASSES)
        splits, new = assign_splits(catalog, photos, [0.8, 0.1, 0.1], seed)
    return photos, splits, new


def test_split_is_stratified_and_stored(tmp_path):
    path = labelled_catalog(tmp_path / "c.duckdb", per_class=20)
    photos, splits, new = _split(path)
    assert new == 60
    assert split_counts(photos, splits) == {
        "train": {c: 16 for c in CLASSES}, "val": {c: 2 for c in CLASSES},
        "test": {c: 2 for c in CLASSES}}
    again, splits_again, new_again = _split(path, seed=99)  # stored: the seed no longer matters
    assert new_again == 0 and splits_again == splits


def test_same_labels_and_seed_give_the_same_split(tmp_path):
    a = _split(labelled_catalog(tmp_path / "a.duckdb", per_class=15, twins=3))[1]
    b = _split(labelled_catalog(tmp_path / "b.duckdb", per_class=15, twins=3))[1]
    c = _split(labelled_catalog(tmp_path / "c.duckdb", per_class=15, twins=3), seed=1)[1]
    assert a == b
    assert a != c


def test_near_duplicate_clusters_never_straddle(tmp_path):
    photos, splits, _ = _split(labelled_catalog(tmp_path / "c.duckdb", per_class=12, twins=6))
    by_cluster = {}
    for photo in photos:
        by_cluster.setdefault(photo.cluster, set()).add(splits[photo.sha256])
    assert sum(len(members) > 0 for members in by_cluster.values()) == 36
    assert all(len(members) == 1 for members in by_cluster.values())
    assert len([p for p in photos if p.cluster != p.sha256]) == 18


def test_new_labels_join_without_moving_old_ones(tmp_path):
    path = labelled_catalog(tmp_path / "c.duckdb", per_class=10)
    photos, before, _ = _split(path)
    test_photo = next(p for p in photos if before[p.sha256] == "test")
    rng = random.Random(5)
    with open_catalog(path) as catalog:
        for label in CLASSES:
            for _ in range(10):
                add_photo(catalog, draw_photo(label, rng), label)
        from PIL import Image
        twin = Image.open(test_photo.derivative).point(lambda v: min(255, v + 9))
        twin_sha = add_photo(catalog, twin, test_photo.label, cluster=test_photo.cluster)
    photos, after, new = _split(path)
    assert new == 31
    assert all(after[sha] == split for sha, split in before.items())
    assert after[twin_sha] == "test"  # joins its cluster, not wherever the deal says
    counts = split_counts(photos, after)
    assert all(counts["train"][c] >= 15 and counts["test"][c] >= 2 for c in CLASSES)
