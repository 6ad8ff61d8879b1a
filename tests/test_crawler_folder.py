"""The folder source: a hand-labelled folder arrives with one call or one command."""

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from crawler.cli import crawl
from crawler.folder import import_folder
from crawler.options import CrawlOptions
from cragcat.errors import UsageError
from tests import crawler_images as imgs

DEFAULTS = CrawlOptions.from_settings(source="folder")
LABELLED = replace(DEFAULTS, labels_from_folders=True)


@pytest.fixture
def labelled_folder(tmp_path):
    root = tmp_path / "photos"
    files = {
        "Glory Shots/a.jpg": imgs.jpeg(seed=1),
        "glory-shot/b.jpg": imgs.jpeg(seed=2),
        "rear/c.jpg": imgs.jpeg(seed=3),
        "butt_shot/2023/d.png": imgs.encode(imgs.photo(seed=4), "PNG"),
        "Topos/e.jpg": imgs.jpeg(seed=5),
        "diagram/f.jpg": imgs.jpeg(seed=5),          # the same bytes as Topos/e.jpg
        "misc/g.jpg": imgs.jpeg(seed=6),             # a folder name that is no class
        "misc/notes.txt": b"not a photo",
        "topo/broken.jpg": imgs.jpeg(seed=7)[:-3000],
        ".hidden/h.jpg": imgs.jpeg(seed=8),
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_import_folder_with_labels(labelled_folder, catalog_path):
    catalog = open_catalog(catalog_path)
    tally = import_folder(catalog, labelled_folder, LABELLED)
    assert (tally.images_new, tally.images_duplicate, tally.images_failed) == (6, 1, 2)
    assert tally.failures == {"not-an-image": 1, "truncated": 1}
    assert tally.sightings == 7
    labels = dict(catalog.query("SELECT label, count(*) FROM labels GROUP BY label"))
    assert labels == {"glory": 2, "butt": 2, "topo": 1}
    assert tally.unlabelled_folders == {"misc": 1}
    assert catalog.scalar("SELECT count(*) FROM labels WHERE origin = 'folder'") == 5
    failed = dict(catalog.query("SELECT reason, count(*) FROM pages WHERE state = 'failed' "
                                "GROUP BY reason"))
    assert failed == {"not-an-image": 1, "truncated": 1}
    assert catalog.scalar("SELECT count(*) FROM crawl_errors") == 2
    assert catalog.scalar("SELECT count(*) FROM pages WHERE url LIKE '%hidden%'") == 0
    assert catalog.scalar("SELECT status FROM crawl_runs") == "finished"


def test_a_second_import_adds_nothing_and_labels_can_come_later(labelled_folder, catalog_path):
    catalog = open_catalog(catalog_path)
    import_folder(catalog, labelled_folder)
    assert catalog.scalar("SELECT count(*) FROM labels") == 0
    before = catalog.query("SELECT count(*) FROM images UNION ALL SELECT count(*) FROM sightings "
                           "UNION ALL SELECT count(*) FROM pages")
    tally = import_folder(catalog, labelled_folder, LABELLED)
    assert (tally.images_new, tally.images_duplicate, tally.sightings) == (0, 0, 0)
    assert before == catalog.query("SELECT count(*) FROM images UNION ALL SELECT count(*) "
                                   "FROM sightings UNION ALL SELECT count(*) FROM pages")
    assert catalog.scalar("SELECT count(*) FROM labels") == 5


def test_an_image_in_two_class_folders_keeps_its_first_label(tmp_path, catalog_path):
    (tmp_path / "a" / "glory").mkdir(parents=True)
    (tmp_path / "a" / "topo").mkdir()
    (tmp_path / "a" / "glory" / "x.jpg").write_bytes(imgs.jpeg(seed=9))
    (tmp_path / "a" / "topo" / "x.jpg").write_bytes(imgs.jpeg(seed=9))
    tally = import_folder(open_catalog(catalog_path), tmp_path / "a", LABELLED)
    assert (tally.labelled, tally.label_conflicts) == (1, 1)


def test_max_images_stops_early_and_the_next_run_continues(labelled_folder, catalog_path):
    catalog = open_catalog(catalog_path)
    three = replace(DEFAULTS, budget=replace(DEFAULTS.budget, max_images=3))
    assert import_folder(catalog, labelled_folder, three).images == 3
    assert catalog.scalar("SELECT count(*) FROM pages WHERE state = 'queued'") == 6
    assert import_folder(catalog, labelled_folder).images == 6
    assert catalog.scalar("SELECT count(*) FROM pages WHERE state = 'queued'") == 0


def test_a_missing_folder_is_a_usage_error(tmp_path, catalog_path):
    with pytest.raises(UsageError, match="not a folder"):
        import_folder(open_catalog(catalog_path), tmp_path / "nope")


def test_the_command_imports_and_prints_json_counts(labelled_folder, catalog_path):
    result = CliRunner().invoke(crawl, ["--source", "folder", str(labelled_folder),
                                        "--labels-from-folders", "--catalog", str(catalog_path),
                                        "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert {k: figures[k] for k in ("images_new", "images_duplicate", "images_failed",
                                    "sightings", "labelled")} == \
        {"images_new": 6, "images_duplicate": 1, "images_failed": 2, "sightings": 7,
         "labelled": 5}
    assert "pages" in figures


def test_the_command_needs_a_path_for_a_folder(catalog_path):
    result = CliRunner().invoke(crawl, ["--source", "folder", "--catalog", str(catalog_path)])
    assert result.exit_code == 2 and "needs the folder" in result.output
