"""`train.head = probe`: frozen EfficientNet-Lite0 features of real photos, a normalised
linear head fitted to convergence, calibrated out of fold by source where the catalog
knows three or more sources; the artifact runs in the tagger, ONNX Runtime and `predict`
like a fine-tuned one, and artifacts written before the probe still load."""

import hashlib
import json
import random
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from catalog import open_catalog
from cragcat import api
from cragcat.console import Console
from cragcat.settings import load_settings
from tagger.backend import cpu_candidate
from tests.trainer_photos import draw_photo, labelled_catalog, one_thread  # noqa: F401
from trainer.architecture import NormalisedLinear, preprocessing, resolve
from trainer.artifact import load_artifact, predict, save_artifact
from trainer.backbones import create_model
from trainer.errors import UnusableModelFile
from trainer.probe import class_thresholds, fit_head, head_logits, out_of_fold
from trainer.run import train
from trainer.settings import train_options
from trainer.sources import NO_SOURCE, photo_sources

PROBE = {"train.head": "probe", "train.image_size": 48, "train.workers": 0,
         "train.threads": 1}


def with_sources(path: Path, count: int) -> Path:
    """Give every labelled photo a sighting in one of ``count`` folder sources, dealt in
    turn, as folder imports record them."""
    with open_catalog(path) as catalog, catalog.transaction() as tx:
        shas = [s for (s,) in tx.execute("SELECT sha256 FROM labels ORDER BY sha256").fetchall()]
        for n in range(count):
            tx.execute("INSERT INTO sources (source_id, kind, name) VALUES (?, 'folder', ?)",
                       [n + 1, f"/photos/crag-{n}"])
        for i, sha in enumerate(shas):
            tx.execute("INSERT INTO sightings (sighting_key, sha256, source_id, image_url) "
                       "VALUES (?, ?, ?, ?)", [hashlib.sha256(sha.encode()).hexdigest(), sha,
                                               i % count + 1, f"file:///photos/{sha}.jpg"])
    return path


def train_probe(tmp: Path, sources: int, console=None) -> dict:
    path = labelled_catalog(tmp / "c.duckdb", per_class=10)
    if sources:
        with_sources(path, sources)
    config = train_options(load_settings(None, dict(PROBE, **{"train.out": str(tmp / "runs")})))
    with open_catalog(path) as catalog:
        return train(catalog, config, console or Console(quiet=True))


@pytest.fixture(scope="module")
def three_sources(tmp_path_factory):
    return train_probe(tmp_path_factory.mktemp("three"), 3)


def test_three_sources_calibrate_out_of_fold_and_the_artifact_is_one_model(three_sources):
    figures = three_sources
    assert figures["head"] == "probe" and figures["calibration"] == \
        "out-of-fold by source (3 sources, each weighted alike)"
    assert figures["test_accuracy"] >= 2 / 3  # drawn classes, pretrained features
    metrics = json.loads((Path(figures["out_dir"]) / "metrics.json").read_text())
    assert metrics["calibration"] == figures["calibration"]
    for name in ("curves.png", "confusion.png", "threshold.png", "misclassified/index.html"):
        assert (Path(figures["out_dir"]) / name).is_file()
    assert metrics["calibration_photos"] == 27  # train + val: 30 photos less the test split
    artifact = load_artifact(figures["artifact"])
    assert artifact.meta["head"] == "probe" and artifact.image_size == 48
    assert isinstance(artifact.model.classifier, NormalisedLinear)
    assert artifact.threshold == figures["threshold"] >= 0.9
    with open_catalog(Path(figures["out_dir"]).parent.parent / "c.duckdb") as catalog:
        status, message = catalog.query_one("SELECT status, message FROM train_runs")
        recorded = json.loads(catalog.scalar("SELECT metrics FROM models"))
        epochs = catalog.scalar("SELECT count(*) FROM train_epochs")
    assert status == "finished" and message == figures["calibration"] and epochs == 1
    assert recorded["calibration"] == figures["calibration"]


def test_fewer_than_three_sources_calibrate_out_of_fold_by_cluster_folds(tmp_path):
    figures = train_probe(tmp_path, 2)
    assert figures["calibration"] == ("out-of-fold by 5 folds of near-duplicate clusters "
                                      "(2 sources, fewer than 3)")
    metrics = json.loads((Path(figures["out_dir"]) / "metrics.json").read_text())
    assert metrics["calibration_photos"] == 27  # every train and validation photo
    with open_catalog(tmp_path / "c.duckdb") as catalog:
        assert set(photo_sources(catalog, ["f" * 64]).values()) == {NO_SOURCE}


def test_no_glory_guard_is_said_when_calibration_butt_shots_are_all_easy(tmp_path, capsys):
    figures = train_probe(tmp_path, 0, Console())
    assert figures["calibration"].startswith("out-of-fold by 5 folds of near-duplicate "
                                             "clusters (1 source,")
    assert figures["glory_guard"] is None  # drawn butt-shots: the model is sure of them
    assert "no glory guard: the out-of-fold photos" in capsys.readouterr().err


def test_probe_artifact_gives_the_same_classes_in_onnx_runtime_and_locally(three_sources):
    artifact = load_artifact(three_sources["artifact"])
    rng = random.Random(5)
    images = [draw_photo(label, rng) for label in ("glory", "butt", "topo") * 2]
    local = predict(artifact, images)
    pixels = torch.stack([artifact.transform()(im) for im in images])
    onnx = cpu_candidate("onnx", artifact.model, pixels)(pixels)
    assert torch.equal(onnx.argmax(1), local.argmax(1))
    torch.testing.assert_close(onnx, local, atol=1e-4, rtol=0)
    photo = Path(three_sources["out_dir"]) / "photo.jpg"
    images[0].save(photo)
    (answer,) = api.predict([photo], three_sources["artifact"])
    assert answer["predicted"] == artifact.classes[int(local[0].argmax())]


def test_a_fine_tune_artifact_without_a_head_field_still_loads(tmp_path):
    arch = resolve("efficientnet_lite0")
    pre = preprocessing(arch)
    meta = {"backbone": "efficientnet_lite0", "architecture": arch.as_dict(),
            "classes": ["glory", "butt", "topo"], "threshold": 0.9, "image_size": 32,
            "mean": pre.mean, "std": pre.std, "interpolation": pre.interpolation}
    old = tmp_path / "old.safetensors"
    save_artifact(old, create_model("efficientnet_lite0", 3, "none").eval(), meta)
    loaded = load_artifact(old)
    assert "head" not in loaded.meta and type(loaded.model.classifier) is torch.nn.Linear
    assert predict(loaded, [draw_photo("glory", random.Random(0))]).shape == (1, 3)
    bad = tmp_path / "bad.safetensors"
    save_artifact(bad, loaded.model, dict(meta, head="mystery"))
    with pytest.raises(UnusableModelFile, match="head must be one of finetune, probe"):
        load_artifact(bad)
    assert set(load_file(str(old))) == set(load_file(str(bad)))  # same tensor names


def test_out_of_fold_scores_each_source_with_a_head_that_never_saw_it():
    torch.manual_seed(0)
    y = torch.arange(3).repeat(12)
    x = torch.randn(36, 2, 16) + 4 * torch.eye(3, 16)[y].unsqueeze(1)
    groups = [f"s{i % 4}" for i in range(36)]  # every source holds every class
    logits = out_of_fold(x, y, groups, 3)
    assert (logits.argmax(1) == y).float().mean() > 0.9
    # a source that holds the only photos of a class: its head never saw the class
    alone = ["glory-only" if c == 0 else "rest" for c in y.tolist()]
    assert (out_of_fold(x, y, alone, 3)[y == 0].argmax(1) != 0).all()
    head = fit_head(x[:, 0], y, 3)
    probs = head_logits(head, x[:, 0]).softmax(1)
    assert class_thresholds(probs, y, 0.97, floor=0.9) == [0.9, 0.9, 0.9]
    assert all(t > 0.9 for t in class_thresholds(probs, y, 0.97))  # no floor: lowest sure


@pytest.mark.slow  # a crawl of the tiny sample site, features of its photos, a tagging run
def test_the_probe_trains_and_tags_the_tiny_sample_site(tmp_path):
    from samplesite import build_site, serve_in_thread

    site = build_site("tiny")
    catalog = tmp_path / "crag.duckdb"
    with serve_in_thread(site) as served:
        api.crawl(catalog, start=served.url, profile="sample")
    api.import_labels(catalog, site / "labels.csv")
    model = api.train(catalog, tmp_path / "models", image_size=64, head="probe")
    assert model["head"] == "probe" and model["calibration"].startswith("out-of-fold by 5 folds")
    tagged = api.tag(catalog)
    assert tagged["tagged"] > 0
    with api.open_catalog(catalog) as opened:
        right, sure = opened.query_one(
            "SELECT count(*) FILTER (WHERE predicted_class = human_label), "
            "count(*) FILTER (WHERE predicted_class <> 'other') FROM photo_tags "
            "WHERE human_label IS NOT NULL AND status = 'tagged'")
    assert sure > 0 and right / sure > 0.8  # labelled photos it was sure of, mostly right


def test_a_near_duplicate_cluster_is_scored_in_one_fold_and_the_folds_are_dealt_evenly():
    from trainer.probe_run import CROSS_FOLDS, cluster_fold
    folds = [cluster_fold(f"cluster-{i}", seed=0) for i in range(500)]
    assert cluster_fold("cluster-7", 0) == folds[7]  # every copy of a cluster alike
    counts = [folds.count(f"fold {k}") for k in range(CROSS_FOLDS)]
    assert len(counts) == 5 and min(counts) > 500 / CROSS_FOLDS * 0.7
    assert [cluster_fold(f"cluster-{i}", seed=1) for i in range(500)] != folds
