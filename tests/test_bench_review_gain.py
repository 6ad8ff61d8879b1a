"""bench/review_gain.py end to end at toy scale: real photos imported without labels,
the review queue's head labelled through the label writer, real retraining."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.review_gain import held_out, true_labels
from catalog import open_catalog
from review.reads import queue
from tests.conftest import shared_folder
from tests.review_browser import QUICK_CONFIG, ROOT, cragcat


def some_real_photos(folder: Path, per_class: int) -> Path:
    """A few real photos of each class, copied (a folder import skips symlinks)."""
    real = shared_folder("real-photos")
    for cls in ("glory", "butt", "topo"):
        (folder / cls).mkdir(parents=True)
        for photo in sorted((real / cls).iterdir())[:per_class]:
            shutil.copyfile(photo, folder / cls / photo.name)
    return folder


@pytest.mark.slow
def test_the_queue_head_is_labelled_and_the_model_retrained(tmp_path, tiny_site):
    real = some_real_photos(tmp_path / "real", per_class=8)
    config = tmp_path / "quick.toml"
    config.write_text(QUICK_CONFIG.format(out=tmp_path / "models"))
    taught = tmp_path / "taught.duckdb"
    cragcat("crawl", "--catalog", str(taught), "--start", tiny_site.url, "-q", config=config)
    cragcat("train", "labels", "import", "--catalog", str(taught),
            str(tiny_site.site_dir / "labels.csv"), config=config)
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "bench/review_gain.py", "--real", str(real), "--taught", str(taught),
         "--home", str(home), "--image-size", "32", "--epochs", "1", "--labels", "5"],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)
    truth = true_labels(real)
    held = {sha for sha in truth if held_out(sha)}
    assert figures["base"]["held_out"] == len(held) > 0
    with open_catalog(home / "base.duckdb", read_only=True) as base:
        head = [r["sha256"] for r in queue(base, 1000, []) if r["sha256"] in truth]
        assert not base.query("SELECT 1 FROM labels WHERE sha256 IN (SELECT unnest(?))",
                              [list(truth)])   # imported without their labels
    expected = [sha for sha in head if sha not in held][:5]
    for arm in ("queue", "random"):
        assert figures[arm]["labelled"] == 5 and figures[arm]["scored"] == len(held)
        with open_catalog(home / f"{arm}.duckdb", read_only=True) as catalog:
            given = dict(catalog.query(
                "SELECT sha256, label FROM label_history WHERE origin = 'review' "
                "AND reviewer = 'bench'"))
            runs = catalog.scalar("SELECT count(*) FROM train_runs WHERE status = 'finished'")
        assert given == {sha: truth[sha] for sha in given} and not set(given) & held
        assert runs == 2   # the base model and the one retrained with the new labels
        if arm == "queue":
            assert sorted(given) == sorted(expected)
