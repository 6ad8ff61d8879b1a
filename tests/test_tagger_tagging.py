"""tag-catalog's tagging loop on a real catalog with a tiny real model."""

import json

import pytest
import torch

from catalog import open_catalog
from tagger.backend import KEPT_EXPORTS, small_run_backend
from tagger.tagging import TagOptions, tag_catalog
from tests.tagger_helpers import ColourArtifact, ColourNet, add_photo

OPTIONS = dict(batch_size=4, workers=0, backend="eager", device="cpu")


@pytest.fixture
def catalog(catalog_path):
    with open_catalog(catalog_path) as catalog:
        yield catalog


def fill(catalog, n: int, prefix: str = "p", colour: str = "glory"):
    with catalog.transaction() as tx:
        return [add_photo(catalog, tx, f"{prefix}{i}", colour) for i in range(n)]


def tag_counts(catalog, model_id):
    return catalog.query("SELECT sha256, count(*) FROM tags WHERE model_id = ? GROUP BY 1",
                         [model_id])


def test_every_canonical_photo_is_tagged_exactly_once(catalog):
    shas = fill(catalog, 6)
    with catalog.transaction() as tx:
        duplicate = add_photo(catalog, tx, "dup", "glory", cluster="p0")
    artifact = ColourArtifact()
    summary = tag_catalog(catalog, artifact, TagOptions.from_settings(**OPTIONS))
    assert (summary.tagged, summary.skipped, summary.failed) == (6, 0, 0)
    counts = dict(tag_counts(catalog, artifact.model_id))
    assert set(counts) == set(shas) and set(counts.values()) == {1}
    assert duplicate not in counts  # near-duplicates take their canonical image's tag
    row = catalog.query_one("SELECT class, confidence, probabilities, status, tagged_at, run_id "
                            "FROM tags WHERE sha256 = ?", [shas[0]])
    assert row[0] == "glory" and row[1] > 0.99 and row[3] == "tagged" and row[4] is not None
    assert set(row[2]) == {"glory", "butt", "topo"} and abs(sum(row[2].values()) - 1) < 1e-6
    assert catalog.scalar("SELECT count(*) FROM models WHERE model_id = ?",
                          [artifact.model_id]) == 1


def test_classes_follow_the_model(catalog):
    with catalog.transaction() as tx:
        shas = {c: add_photo(catalog, tx, c, c) for c in ("glory", "butt", "topo")}
    summary = tag_catalog(catalog, ColourArtifact(), TagOptions.from_settings(**OPTIONS))
    assert summary.by_class == {"glory": 1, "butt": 1, "topo": 1}
    got = dict(catalog.query("SELECT sha256, class FROM tags"))
    assert got == {sha: c for c, sha in shas.items()}


def test_an_incremental_run_tags_only_the_new_photos(catalog):
    fill(catalog, 5)
    artifact = ColourArtifact()
    tag_catalog(catalog, artifact, TagOptions.from_settings(**OPTIONS))
    first = dict(catalog.query("SELECT sha256, tagged_at FROM tags"))
    new = fill(catalog, 3, prefix="new")
    summary = tag_catalog(catalog, artifact, TagOptions.from_settings(**OPTIONS))
    assert (summary.tagged, summary.skipped) == (3, 5)
    after = dict(catalog.query("SELECT sha256, tagged_at FROM tags"))
    assert {s: after[s] for s in first} == first  # old tags untouched
    assert set(after) - set(first) == set(new)


def test_retag_redoes_everything(catalog):
    fill(catalog, 5)
    artifact = ColourArtifact()
    tag_catalog(catalog, artifact, TagOptions.from_settings(**OPTIONS))
    summary = tag_catalog(catalog, artifact, TagOptions.from_settings(retag=True, **OPTIONS))
    assert (summary.tagged, summary.skipped) == (5, 0)
    assert catalog.scalar("SELECT count(DISTINCT run_id) FROM tags") == 1
    assert catalog.scalar("SELECT count(*) FROM tags") == 5


def test_under_the_threshold_is_other_with_probabilities_kept(catalog):
    with catalog.transaction() as tx:
        unsure = add_photo(catalog, tx, "unsure", "unsure")  # red + green: glory or butt?
        sure = add_photo(catalog, tx, "sure", "glory")
    tag_catalog(catalog, ColourArtifact(), TagOptions.from_settings(**OPTIONS))
    cls, confidence, probs = catalog.query_one(
        "SELECT class, confidence, probabilities FROM tags WHERE sha256 = ?", [unsure])
    assert cls == "other" and confidence < 0.9
    assert probs["glory"] > 0.3 and probs["butt"] > 0.3
    assert catalog.scalar("SELECT class FROM tags WHERE sha256 = ?", [sure]) == "glory"
    # A lower threshold (the --threshold flag) turns the same photo into its top class.
    tag_catalog(catalog, ColourArtifact(), TagOptions.from_settings(threshold=0.3, retag=True, **OPTIONS))
    assert catalog.scalar("SELECT class FROM tags WHERE sha256 = ?", [unsure]) in {"glory",
                                                                                   "butt"}


def test_a_corrupt_photo_mid_batch_does_not_stop_the_run(catalog):
    with catalog.transaction() as tx:
        good = [add_photo(catalog, tx, f"g{i}") for i in range(3)]
        bad = add_photo(catalog, tx, "bad", corrupt=True)
        good += [add_photo(catalog, tx, f"h{i}") for i in range(3)]
    summary = tag_catalog(catalog, ColourArtifact(), TagOptions.from_settings(**OPTIONS))
    assert (summary.tagged, summary.failed) == (6, 1)
    status, reason, cls = catalog.query_one(
        "SELECT status, reason, class FROM tags WHERE sha256 = ?", [bad])
    assert status == "failed" and "decode" in reason and cls is None
    assert catalog.scalar("SELECT count(*) FROM tags WHERE status = 'tagged'") == 6
    assert catalog.scalar("SELECT status FROM tag_runs") == "finished"


class StopAfter:
    """A progress display that is interrupted (Ctrl-C) after ``n`` batches."""

    def __init__(self, n: int):
        self.n = n

    def advance(self, _count: int = 1) -> None:
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt


def test_a_killed_run_resumes_without_double_tags(catalog):
    shas = fill(catalog, 10)
    artifact = ColourArtifact()
    with pytest.raises(KeyboardInterrupt):
        tag_catalog(catalog, artifact, TagOptions.from_settings(**OPTIONS), progress=StopAfter(2))
    assert catalog.scalar("SELECT count(*) FROM tags") == 8  # two committed batches of 4
    assert catalog.scalar("SELECT status FROM tag_runs") == "interrupted"
    summary = tag_catalog(catalog, artifact, TagOptions.from_settings(**OPTIONS))
    assert (summary.tagged, summary.skipped) == (2, 8)
    counts = dict(tag_counts(catalog, artifact.model_id))
    assert set(counts) == set(shas) and set(counts.values()) == {1}


def test_a_second_model_tags_the_same_photos_again(catalog):
    fill(catalog, 3)
    tag_catalog(catalog, ColourArtifact(), TagOptions.from_settings(**OPTIONS))
    other = ColourArtifact(model_id="b" * 64)
    summary = tag_catalog(catalog, other, TagOptions.from_settings(**OPTIONS))
    assert summary.tagged == 3
    assert catalog.query("SELECT model_id, count(*) FROM tags GROUP BY 1 ORDER BY 1") == [
        ("b" * 64, 3), (ColourArtifact().model_id, 3)]


def test_auto_backend_is_measured_and_recorded(catalog, monkeypatch):
    import tagger.backend
    monkeypatch.setattr(tagger.backend, "CALIBRATE_MIN_PHOTOS", 4)  # tiny run, same path
    fill(catalog, 8)
    summary = tag_catalog(catalog, ColourArtifact(), TagOptions.from_settings(batch_size=8, workers=0,
                                                                backend="auto", device="cpu"))
    backend, timings = catalog.query_one("SELECT backend, backend_timings FROM tag_runs")
    timings = json.loads(timings)
    assert backend == summary.backend and backend in timings
    assert {"eager", "channels_last", "jit", "int8", "onnx"} <= set(timings)
    measured = {k: v for k, v in timings.items() if isinstance(v, float)}
    assert timings[backend] == min(measured.values())
    assert summary.by_class == {"glory": 8}


def test_workers_decode_in_other_processes(catalog):
    with catalog.transaction() as tx:
        [add_photo(catalog, tx, f"g{i}") for i in range(5)]
        add_photo(catalog, tx, "bad", corrupt=True)
    summary = tag_catalog(catalog, ColourArtifact(),
                          TagOptions.from_settings(batch_size=3, workers=2, backend="eager", device="cpu"))
    assert (summary.tagged, summary.failed) == (5, 1)


@pytest.mark.gpu
def test_cuda_tags_like_the_cpu(catalog):
    fill(catalog, 6, colour="glory")
    fill(catalog, 6, prefix="t", colour="topo")
    artifact = ColourArtifact()
    tag_catalog(catalog, artifact, TagOptions.from_settings(batch_size=4, workers=0, device="cpu"))
    cpu = dict(catalog.query("SELECT sha256, confidence FROM tags"))
    gpu_model = ColourArtifact(model_id="d" * 64)
    summary = tag_catalog(catalog, gpu_model, TagOptions.from_settings(batch_size=4, workers=2, device="cuda"))
    assert summary.backend == "cuda_bf16" and summary.tagged == 12
    gpu = dict(catalog.query("SELECT sha256, confidence FROM tags WHERE model_id = ?",
                             ["d" * 64]))
    assert all(abs(gpu[s] - cpu[s]) < 0.02 for s in cpu)


KILLED = """
import os, signal, sys
from catalog import open_catalog
from tagger.tagging import TagOptions, tag_catalog
from tests.tagger_helpers import ColourArtifact

class KillAfterTwoBatches:
    batches = 0
    def advance(self, n=1):
        self.batches += 1
        if self.batches == 2:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: a hard kill

catalog = open_catalog(sys.argv[1])
tag_catalog(catalog, ColourArtifact(), TagOptions.from_settings(batch_size=4, workers=0, backend="eager",
                                                  device="cpu"), KillAfterTwoBatches())
"""


@pytest.mark.slow  # a second Python process importing torch: seconds, not milliseconds
def test_a_hard_killed_process_resumes_without_double_tags(catalog_path):
    import subprocess
    import sys

    from tests.conftest import ROOT
    with open_catalog(catalog_path) as catalog:
        shas = fill(catalog, 10)
    proc = subprocess.run([sys.executable, "-c", KILLED, str(catalog_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    with open_catalog(catalog_path) as catalog:
        assert catalog.scalar("SELECT count(*) FROM tags") == 8  # both committed batches
        summary = tag_catalog(catalog, ColourArtifact(), TagOptions.from_settings(**OPTIONS))
        assert (summary.tagged, summary.skipped) == (2, 8)
        assert dict(tag_counts(catalog, ColourArtifact().model_id)) == {s: 1 for s in shas}
        runs = catalog.query("SELECT status FROM tag_runs ORDER BY run_id")
    assert runs == [("interrupted",), ("finished",)]  # the dead run is marked, not left running


@pytest.mark.parametrize("backend", ["channels_last", "jit", "onnx"])
def test_every_cpu_backend_tags_like_eager(catalog, backend):
    with catalog.transaction() as tx:
        for colour in ("glory", "butt", "topo", "unsure"):
            add_photo(catalog, tx, colour, colour)
    tag_catalog(catalog, ColourArtifact(), TagOptions.from_settings(**OPTIONS))
    eager = dict(catalog.query("SELECT sha256, confidence FROM tags"))
    other = ColourArtifact(model_id="e" * 64)
    summary = tag_catalog(catalog, other, TagOptions.from_settings(batch_size=4, workers=0, backend=backend,
                                                     device="cpu"))
    assert summary.backend == backend
    tagged = dict(catalog.query("SELECT sha256, confidence FROM tags WHERE model_id = ?",
                                ["e" * 64]))
    assert tagged.keys() == eager.keys()
    assert all(abs(tagged[s] - eager[s]) < 1e-3 for s in eager)


def test_a_batch_that_meets_an_existing_tag_is_written_whole_replacing_it(catalog):
    """Results are inserted plainly (fast at millions of tags); a batch with a photo
    tagged meanwhile (a Ray task run twice) is written again with INSERT OR REPLACE."""
    import torch

    from tagger.loader import Photo
    from tagger.tagging import commit_results, write_tags

    old, new = fill(catalog, 2)
    with catalog.transaction() as tx:
        tx.execute("INSERT INTO tags (sha256, model_id, class, run_id) VALUES (?, 'm', 'topo', 1)",
                   [old])
    modes = []

    def write(tx, replace):
        modes.append(replace)
        write_tags(tx, 2, "m", ["glory", "butt", "topo"], [Photo(old, ""), Photo(new, "")],
                   torch.tensor([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]]), 0.5, None, replace)
    commit_results(catalog, write)
    assert modes == [False, True]
    assert catalog.query("SELECT sha256, class, run_id FROM tags ORDER BY class") == [
        (new, "butt", 2), (old, "glory", 2)]


def test_a_small_run_keeps_its_checked_onnx_export_for_the_next_run_of_that_model(tmp_path):
    cpu, kept = torch.device("cpu"), tmp_path / "onnx"
    sample = torch.rand(8, 3, 32, 32)
    first = small_run_backend(ColourNet().eval(), cpu, sample, kept)
    (export,) = kept.glob("*.onnx")
    assert first.name == "onnx" and "onnx" not in first.timings  # exported, then checked
    again = small_run_backend(ColourNet().eval(), cpu, sample, kept)
    assert again.name == "onnx" and again.timings["onnx"] == f"kept export {export.name}"
    torch.testing.assert_close(again.forward(sample), first.forward(sample))
    sharper = ColourNet(scale=8.0).eval()  # other weights: never the first model's export
    third = small_run_backend(sharper, cpu, sample, kept)
    assert "onnx" not in third.timings and len(list(kept.glob("*.onnx"))) == 2
    torch.testing.assert_close(third.forward(sample), sharper(sample).softmax(1))
    export.write_bytes(b"cut short")  # an unreadable export is made again
    fourth = small_run_backend(ColourNet().eval(), cpu, sample, kept)
    assert "onnx" not in fourth.timings and export.stat().st_size > len(b"cut short")
    for n in range(KEPT_EXPORTS + 2):  # only the most recently used few stay
        small_run_backend(ColourNet(scale=1.0 + n).eval(), cpu, sample, kept)
    assert len(list(kept.glob("*.onnx"))) == KEPT_EXPORTS
    assert not list(kept.glob("*.part"))
