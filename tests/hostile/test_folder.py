"""Hostile folders: links out, FIFOs, devices, odd names, folders that cannot be listed."""

import os
from dataclasses import replace
import subprocess
import sys

from catalog import open_catalog
from crawler.folder import import_folder
from crawler.options import CrawlOptions
from tests import crawler_images as imgs
from tests.conftest import ROOT


def rows_of(catalog_path) -> dict[str, tuple[str, str | None]]:
    rows = open_catalog(catalog_path, read_only=True).query(
        "SELECT url, state, reason FROM pages")
    return {url.rsplit("/", 1)[-1]: (state, reason) for url, state, reason in rows}


def test_links_out_of_the_folder_are_skipped_rows_never_read(tmp_path, catalog_path):
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(imgs.jpeg(seed=1))
    root = tmp_path / "photos"
    root.mkdir()
    (root / "inside.jpg").write_bytes(imgs.jpeg(seed=2))
    (root / "outside-photo.jpg").symlink_to(outside)
    (root / "passwd.jpg").symlink_to("/etc/passwd")
    (root / "zero.jpg").symlink_to("/dev/zero")
    (root / "elsewhere").symlink_to(tmp_path)
    tally = import_folder(open_catalog(catalog_path), root)
    assert (tally.images_new, tally.skipped) == (1, 4)
    rows = rows_of(catalog_path)
    assert rows["inside.jpg"] == ("done", None)
    for name in ("outside-photo.jpg", "passwd.jpg", "zero.jpg", "elsewhere"):
        assert rows[name] == ("skipped", "symlink")


def test_a_fifo_is_a_skipped_row_and_the_import_ends(tmp_path, catalog_path):
    root = tmp_path / "photos"
    root.mkdir()
    (root / "a.jpg").write_bytes(imgs.jpeg(seed=3))
    os.mkfifo(root / "pipe.jpg")
    # in a child process: before the fix the import blocked on the FIFO for ever
    done = subprocess.run([sys.executable, "-m", "cragcat", "crawl", "--source", "folder",
                           str(root), "--catalog", str(catalog_path), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert rows_of(catalog_path)["pipe.jpg"] == ("skipped", "not-a-regular-file")


def test_a_file_past_the_byte_limit_is_not_read_whole(tmp_path, catalog_path):
    root = tmp_path / "photos"
    root.mkdir()
    (root / "huge.jpg").write_bytes(imgs.jpeg(seed=4) + bytes(50_000))
    options = CrawlOptions.from_settings(None, source="folder")
    options = replace(options, fetch=replace(options.fetch, max_bytes=20_000))
    tally = import_folder(open_catalog(catalog_path), root, options)
    assert tally.failures == {"too-large": 1}
    assert rows_of(catalog_path)["huge.jpg"] == ("failed", "too-large")


def test_a_name_that_is_not_utf8_is_imported(tmp_path, catalog_path):
    root = tmp_path / "photos"
    root.mkdir()
    name = os.fsdecode(b"caf\xe9.jpg")
    (root / name).write_bytes(imgs.jpeg(seed=5))
    tally = import_folder(open_catalog(catalog_path), root)
    assert (tally.images_new, tally.images_failed) == (1, 0)


def test_a_folder_that_cannot_be_listed_gets_a_row(tmp_path, catalog_path):
    root = tmp_path / "photos"
    (root / "a").mkdir(parents=True)
    (root / "a" / "b.jpg").write_bytes(imgs.jpeg(seed=6))
    # a folder whose full path is longer than the system allows cannot be listed,
    # whoever runs the test (root reads a chmod 000 folder)
    deep = root / "a"
    while len(str(deep)) < os.pathconf("/", "PC_PATH_MAX") + 10:
        deep = deep / ("d" * 200)
    _make_deep(tmp_path, deep.relative_to(tmp_path))
    tally = import_folder(open_catalog(catalog_path), root)
    states = open_catalog(catalog_path, read_only=True).query(
        "SELECT state, reason FROM pages WHERE state <> 'done'")
    assert tally.images_new == 1
    assert ("skipped", "unreadable-folder") in states


def _make_deep(base, relative):
    """mkdir one level at a time from ``base`` (the full path is too long for mkdir)."""
    fd = os.open(base, os.O_RDONLY)
    try:
        for part in relative.parts:
            try:
                os.mkdir(part, dir_fd=fd)
            except FileExistsError:
                pass
            next_fd = os.open(part, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = next_fd
    finally:
        os.close(fd)
