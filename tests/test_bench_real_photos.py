"""The real-photo benchmark's code path on a handful of real photos, and the
photo_tags report it scores from (one row per canonical image, human labels right)."""

import hashlib
import re
from pathlib import Path

import pytest

from bench.real_photos import (EVAL_SETS, REAL_ORIGIN, BenchPlan, report_text,
                               run_benchmark)
from bench.real_report import BUTT_COLUMNS, COLUMNS, butt_rows, table_rows
from catalog import open_catalog
from cragcat.console import Console
from cragcat.settings import load_settings
from tests.conftest import ROOT, shared_folder
from trainer.settings import train_options

CLASSES = ["glory", "butt", "topo"]
PER_CLASS = 4


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """Model (a) trained for one epoch at 64 px on four real photos per class."""
    real = shared_folder("real-photos")
    work = tmp_path_factory.mktemp("real-bench")
    config = train_options(load_settings(None, {
        "train.epochs": 1, "train.image_size": 64, "train.batch_size": 8,
        "train.workers": 0, "train.split": [0.5, 0.25, 0.25]}))
    plan = BenchPlan(work=work, real_dir=real, site_dir=None, config=config, variants=["a"],
                     eval_sets=["real val", "real test"], per_class=PER_CLASS)
    results = run_benchmark(plan, Console(quiet=True))
    return plan, results


def test_table_has_one_row_per_model_and_set(bench_run):
    plan, results = bench_run
    rows = table_rows(results, CLASSES)
    assert [(r[0], r[2]) for r in rows] == [("a", "real val"), ("a", "real test")]
    assert all(len(r) == len(COLUMNS) for r in rows)
    scores = results[0]["scores"]
    for name in ("real val", "real test"):
        matrix = scores[name]["confusion"]
        assert len(matrix) == 3 and all(len(row) == 3 for row in matrix)
        assert sum(map(sum, matrix)) == scores[name]["count"] > 0
        assert 0.0 <= scores[name]["coverage"] <= 1.0
    assert (plan.work / "sheet-a" / "index.html").is_file()
    assert "| a | real | real test |" in report_text(results, CLASSES)


def test_every_real_butt_shot_is_reported(bench_run):
    _, results = bench_run
    butts = results[0]["butts"]
    assert len(butts) == PER_CLASS
    assert {b["split"] for b in butts} <= {"train", "val", "test"}
    assert all(len(row) == len(BUTT_COLUMNS) for row in butt_rows(results))
    for b in butts:
        assert b["tagged"] in CLASSES + ["other"]
        assert sum(b["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)


def _folder_labels(staged: Path) -> dict[str, str]:
    return {hashlib.sha256(f.read_bytes()).hexdigest(): f.parent.name
            for f in staged.glob("*/*") if f.is_file()}


def test_photo_tags_has_one_row_per_canonical_image_with_human_labels(bench_run):
    plan, results = bench_run
    truth = _folder_labels(plan.work / "real-sample")
    catalog = open_catalog(plan.work / "model-a.duckdb", read_only=True,
                           store=plan.work / "master-store")
    try:
        rows = catalog.query("SELECT sha256, human_label, predicted_class, confidence, "
                             "probabilities, model_id FROM photo_tags WHERE NOT near_duplicate")
        canonical = catalog.scalar("SELECT count(*) FROM images WHERE is_canonical")
    finally:
        catalog.close()
    assert len(rows) == canonical == len({r[0] for r in rows})
    assert {sha: label for sha, label, *_ in rows} == {sha: truth[sha] for sha, *_ in rows}
    for _, _, predicted, confidence, probabilities, model_id in rows:
        assert model_id == results[0]["model_id"]
        assert predicted in CLASSES + ["other"]
        assert confidence == pytest.approx(max(dict(probabilities).values()), abs=1e-3)


def test_documented_accuracy_query_matches_the_benchmark(bench_run):
    plan, results = bench_run
    text = (ROOT / "docs" / "real-photos.md").read_text(encoding="utf-8")
    query = re.search(r"<!-- photo_tags accuracy -->\s*```sql\n(.*?)```", text, re.S)
    assert query, "docs/real-photos.md lacks the photo_tags accuracy query"
    catalog = open_catalog(plan.work / "model-a.duckdb", read_only=True,
                           store=plan.work / "master-store")
    try:
        # The documented query over every labelled photo; restrict it to the test split here.
        sql = query[1].replace("FROM photo_tags\n", "FROM photo_tags JOIN splits USING (sha256)\n")
        sql = sql.replace("\nWHERE ", "\nWHERE split = 'test' AND ")
        photos, accuracy, *_ = catalog.query_one(sql)
    finally:
        catalog.close()
    expected = results[0]["scores"]["real test"]
    assert photos == expected["count"]
    assert accuracy == pytest.approx(expected["accuracy"], abs=1e-3)
    assert EVAL_SETS["real test"] == ("test", [REAL_ORIGIN])
