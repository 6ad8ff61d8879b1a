"""The Ray engines on a real local Ray runtime (ray.init(num_cpus=2), no mocks):
tagging and the folder import give what the local engines give, and a Ray
tagging run whose driver is killed, run again, tags nothing twice."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from catalog import open_catalog
from dataclasses import replace

from crawler.dedup import deduplicate
from crawler.folder import import_folder
from crawler.options import CrawlOptions
from tagger.ray_engine import RayTagOptions, tag_catalog_on_ray
from tagger.tagging import TagOptions, tag_catalog
from trainer.artifact import load_artifact, save_artifact
from trainer.architecture import preprocessing, resolve
from trainer.backbones import create_model
from tests.ray_photos import labelled_site_folder

ray = pytest.importorskip("ray", reason="the Ray extra is not installed: pip install "
                          "'cragcat[ray]'")

# A Ray runtime and its model actors take tens of seconds to start on 2 cores.
slow = pytest.mark.slow

FOLDER = replace(CrawlOptions.from_settings(source="folder"), labels_from_folders=True)
TAGS_SQL = ("SELECT sha256, status, class, round(confidence, 5), reason FROM tags "
            "ORDER BY sha256")


@pytest.fixture(scope="module")
def ray_runtime():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="module")
def photo_folder(tiny_site_dir, tmp_path_factory) -> Path:
    return labelled_site_folder(tiny_site_dir, tmp_path_factory.mktemp("ray") / "photos")


@pytest.fixture(scope="module")
def imported(photo_folder, tmp_path_factory) -> Path:
    """A catalog of the folder, imported by the local engine (the reference)."""
    path = tmp_path_factory.mktemp("local") / "catalog.duckdb"
    with open_catalog(path) as catalog:
        import_folder(catalog, photo_folder, FOLDER)
    return path


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """EfficientNet-Lite0 (random weights) at 32 px, saved by the trainer's own code."""
    torch.manual_seed(0)
    arch = resolve("efficientnet_lite0")
    pre = preprocessing(arch)
    path = tmp_path_factory.mktemp("models") / "lite0.safetensors"
    save_artifact(path, create_model("efficientnet_lite0", 3, "none").eval(), {
        "backbone": "efficientnet_lite0", "architecture": arch.as_dict(),
        "classes": ["glory", "butt", "topo"], "threshold": 0.0, "image_size": 32,
        "mean": pre.mean, "std": pre.std, "interpolation": pre.interpolation})
    return load_artifact(path)


def copy_catalog(source: Path, folder: Path) -> Path:
    """The catalog file and its store, copied: each engine tags its own copy."""
    folder.mkdir()
    shutil.copyfile(source, folder / source.name)
    shutil.copytree(source.with_name(source.stem + "-store"),
                    folder / (source.stem + "-store"))
    return folder / source.name


@slow
def test_ray_tagging_gives_the_local_engines_tags(ray_runtime, imported, artifact, tmp_path):
    local, on_ray = copy_catalog(imported, tmp_path / "a"), copy_catalog(imported, tmp_path / "b")
    options = TagOptions.from_settings(batch_size=8, workers=0, backend="onnx")
    with open_catalog(local) as catalog:
        tag_catalog(catalog, artifact, options)
        expected = catalog.query(TAGS_SQL)
    with open_catalog(on_ray) as catalog:
        summary = tag_catalog_on_ray(catalog, artifact, options, RayTagOptions(merge_rows=16))
        assert catalog.query(TAGS_SQL) == expected
        assert catalog.scalar("SELECT backend FROM tag_runs") == "ray:onnx"
    assert (summary.tagged + summary.failed, summary.skipped) == (len(expected), 0)
    assert len({row[3] for row in expected}) > 1  # real, photo by photo confidences


DRIVER = textwrap.dedent("""
    import sys
    import ray
    from catalog import open_catalog
    from tagger.ray_engine import RayTagOptions, tag_catalog_on_ray
    from tagger.tagging import TagOptions
    from trainer.artifact import load_artifact

    class StopAfterFirstMerge:
        # The driver says it merged a batch, then waits to be killed.
        def advance(self, n=1):
            print("merged", n, flush=True)
            sys.stdin.readline()

    address, catalog_path, artifact_path = sys.argv[1:]
    ray.init(address=address, log_to_driver=False)
    with open_catalog(catalog_path) as catalog:
        tag_catalog_on_ray(catalog, load_artifact(artifact_path),
                           TagOptions.from_settings(batch_size=4, backend="onnx"),
                           RayTagOptions(merge_rows=4), StopAfterFirstMerge())
""")


@slow
def test_a_killed_ray_run_run_again_tags_nothing_twice(ray_runtime, imported, artifact,
                                                       tmp_path):
    path = copy_catalog(imported, tmp_path / "c")
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, ray_runtime, str(path),
                               str(artifact.path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        first = driver.stdout.readline()
        assert first.startswith("merged"), first
    finally:
        driver.kill()
        driver.wait()
    with open_catalog(path) as catalog:
        before = catalog.query("SELECT sha256, run_id FROM tags ORDER BY sha256")
        assert len(before) == int(first.split()[1]) == 4
        summary = tag_catalog_on_ray(catalog, artifact, TagOptions.from_settings(batch_size=4, backend="onnx"),
                                     RayTagOptions(merge_rows=4))
        after = dict(catalog.query("SELECT sha256, run_id FROM tags"))
        canonical = catalog.scalar("SELECT count(*) FROM images WHERE is_canonical")
        runs = catalog.query("SELECT run_id, status FROM tag_runs ORDER BY run_id")
    assert all(after[sha] == run_id for sha, run_id in before)  # the first run's tags stand
    assert (summary.skipped, summary.tagged + summary.failed) == (4, canonical - 4)
    assert len(after) == canonical
    assert [status for _, status in runs] == ["interrupted", "finished"]


@slow
def test_ray_folder_import_equals_the_local_import(ray_runtime, photo_folder, imported,
                                                   tmp_path):
    from crawler.ray_folder import crawl_folder_on_ray

    with open_catalog(tmp_path / "ray.duckdb") as catalog:
        tally = crawl_folder_on_ray(catalog, photo_folder, replace(FOLDER, ray_shard=8))
        deduplicate(catalog, FOLDER.dedup)
        got = {sql: catalog.query(sql) for sql in EQUAL_SQL}
    with open_catalog(imported) as catalog:
        expected = {sql: catalog.query(sql) for sql in EQUAL_SQL}
    assert got == expected
    assert tally.images_new == len(expected[EQUAL_SQL[0]]) and tally.images_failed == 5
    assert len({row[2] for row in expected[EQUAL_SQL[0]]}) < tally.images_new  # clusters
    stored = sorted(p.name for p in (tmp_path / "ray-store").rglob("*") if p.is_file())
    local = sorted(p.name for p in imported.with_name("catalog-store").rglob("*") if p.is_file())
    assert stored == local


EQUAL_SQL = [
    "SELECT sha256, phash, cluster_id, is_canonical, width, height, derivative_path, "
    "original_path FROM images ORDER BY sha256",
    "SELECT sha256, label, origin FROM labels ORDER BY sha256",
    "SELECT url, state, reason, sha256 FROM pages ORDER BY url",
]


def test_the_work_list_is_exported_by_the_catalog(imported, tmp_path):
    import pyarrow.parquet as pq

    from catalog.worklist import export_worklist

    with open_catalog(imported, read_only=True) as catalog:
        rows = export_worklist(catalog, "SELECT sha256, derivative_path FROM images "
                               "WHERE is_canonical ORDER BY sha256", [], tmp_path / "w.parquet")
        expected = catalog.query("SELECT sha256, derivative_path FROM images "
                                 "WHERE is_canonical ORDER BY sha256")
    table = pq.read_table(tmp_path / "w.parquet")
    assert rows == len(expected) == table.num_rows
    assert list(zip(*table.to_pydict().values())) == expected
    assert not (tmp_path / "w.parquet.partial").exists()


def test_the_ray_engine_is_only_for_a_folder(catalog_path):
    from click.testing import CliRunner

    from crawler.cli import crawl

    result = CliRunner().invoke(crawl, ["--catalog", str(catalog_path), "--engine", "ray"])
    assert result.exit_code == 2
    assert "--engine ray is for --source folder" in result.output


def test_the_ray_engine_without_the_ray_extra_is_one_line(monkeypatch, catalog_path, tmp_path):
    from click.testing import CliRunner

    from crawler.cli import crawl

    monkeypatch.setitem(sys.modules, "ray", None)  # the one simulated part: Ray not installed
    (tmp_path / "photos").mkdir()
    result = CliRunner().invoke(crawl, ["--catalog", str(catalog_path), "--source", "folder",
                                        str(tmp_path / "photos"), "--engine", "ray"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: --engine ray needs ray, which is not installed: pip install 'cragcat[ray]'"]
