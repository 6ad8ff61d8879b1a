"""The probe's novelty gate: a photo unlike every labelled photo of its top class gets
equal odds (so the tagger says 'other'), with floors set on photos compared only with
other groups' photos; the gate travels in the artifact and runs the same in ONNX."""

import json
import random
from pathlib import Path

import pytest
import torch
from PIL import Image

from catalog import open_catalog
from cragcat.console import Console
from cragcat.settings import load_settings
from tagger.backend import cpu_candidate
from tests.trainer_photos import draw_photo, labelled_catalog, one_thread  # noqa: F401
from trainer.architecture import NormalisedLinear
from trainer.artifact import load_artifact, predict, read_meta, save_artifact
from trainer.errors import UnusableModelFile
from trainer.novelty import (MIN_CLASS_PHOTOS, NO_FLOOR, class_floors, fit_gate,
                             out_of_group_likeness)
from trainer.run import train
from trainer.settings import train_options


def clusters(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Three classes, each a tight cloud around its own direction in 32 dimensions, dealt
    over four groups."""
    torch.manual_seed(seed)
    y = torch.arange(3).repeat(40)
    x = torch.eye(3, 32)[y] * 4 + 0.3 * torch.randn(len(y), 32)
    return x, y, [f"g{i % 4}" for i in range(len(y))]


def test_likeness_compares_a_photo_only_with_other_groups_of_its_class():
    unit = torch.nn.functional.normalize(torch.tensor([[1.0, 0], [1, 0], [0, 1], [0.6, 0.8]]))
    y = torch.tensor([0, 0, 1, 0])
    groups = ["a", "a", "b", "b"]
    like = out_of_group_likeness(unit, y, groups, unit, y, groups, neighbours=1)
    # photo 0's twin is in its own group: its likeness is to photo 3 (group b)
    assert like[0].item() == pytest.approx(0.6) and like[3].item() == pytest.approx(0.6)
    assert like[2].item() == NO_FLOOR  # no photo of its class in another group
    two = out_of_group_likeness(unit, y, groups, unit, y, groups, neighbours=2)
    assert (two[:3] == NO_FLOOR).all()  # fewer than two such photos: no likeness


def test_floors_are_weighted_quantiles_and_a_small_class_has_none():
    like = torch.linspace(0.0, 1.0, 100)
    y = torch.zeros(100, dtype=torch.long)
    y[:MIN_CLASS_PHOTOS - 1] = 1  # class 1 has too few photos for a quantile
    floors = class_floors(like, y, 3, quantile=0.1)
    mine = like[y == 0]
    assert floors[0] == pytest.approx(float(mine[int(0.1 * len(mine))]), abs=0.011)
    assert floors[1] == NO_FLOOR and floors[2] == NO_FLOOR
    heavy_low = torch.where(like < 0.5, 10.0, 1.0)  # the low photos' group counts 10x
    assert class_floors(like, y, 3, 0.1, heavy_low)[0] < floors[0]
    assert class_floors(like, y, 3, 0.0) == [NO_FLOOR] * 3


def gated_head(seed: int = 0) -> NormalisedLinear:
    x, y, groups = clusters(seed)
    gate = fit_gate(x, y, groups, [f"p{i}" for i in range(len(y))], 3, 0.1, seed=0)
    assert all(f > 0.5 for f in gate.floors) and 0.05 <= gate.gated <= 0.15
    head = NormalisedLinear(32, 3)
    with torch.no_grad():
        head.weight.copy_(torch.eye(3, 32) * 2)
    head.set_gate(gate.bank, gate.penalty, torch.tensor(gate.floors), gate.neighbours)
    return head


def test_a_photo_unlike_any_labelled_one_gets_equal_odds_and_a_familiar_one_keeps_them():
    head = gated_head()
    familiar = torch.eye(3, 32) * 4
    strange = torch.zeros(2, 32)
    strange[0, 0], strange[0, 10] = 1.0, 1.0  # leans to class 0, far from its photos
    strange[1, 20:] = 1.0
    probs = head(torch.cat([familiar, strange])).softmax(1)
    assert (probs[:3].argmax(1) == torch.arange(3)).all() and (probs[:3].max(1).values > 0.9).all()
    torch.testing.assert_close(probs[3:], torch.full((2, 3), 1 / 3))


def test_the_gate_is_part_of_the_exported_model_in_onnx_runtime():
    head = gated_head().eval()
    model = torch.nn.Sequential(torch.nn.Flatten(), head)
    pixels = torch.cat([torch.eye(3, 32) * 4, torch.ones(1, 32)]).reshape(4, 2, 4, 4)
    local = model(pixels).softmax(1)
    onnx = cpu_candidate("onnx", model, pixels)(pixels)  # probabilities, as the tagger's
    torch.testing.assert_close(onnx, local, atol=1e-4, rtol=0)
    torch.testing.assert_close(onnx[3], torch.full((3,), 1 / 3))  # the gated photo


@pytest.fixture(scope="module")
def gated_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gated")
    path = labelled_catalog(tmp / "c.duckdb", per_class=40)
    settings = {"train.head": "probe", "train.image_size": 48, "train.workers": 0,
                "train.threads": 1, "train.out": str(tmp / "runs")}
    with open_catalog(path) as catalog:
        return train(catalog, train_options(load_settings(None, settings)), Console(quiet=True))


def test_train_keeps_the_gate_in_the_artifact_and_tags_a_strange_photo_other(gated_run):
    meta = read_meta(gated_run["artifact"])
    novelty = meta["novelty"]
    assert novelty["quantile"] == 0.1 and novelty["neighbours"] == 10
    assert novelty["bank"] == meta["metrics"]["calibration_photos"]  # under 256 a class
    assert set(novelty["floors"]) == {"glory", "butt", "topo"}
    metrics = json.loads((Path(gated_run["out_dir"]) / "metrics.json").read_text())
    assert 0 < metrics["novelty"]["calibration_gated"] <= 0.2
    assert gated_run["novelty_gate"] == metrics["novelty"]  # in train's summary too
    artifact = load_artifact(gated_run["artifact"])
    assert artifact.model.classifier.gated
    rng = random.Random(9)
    photos = [draw_photo(label, rng) for label in ("glory", "butt", "topo") * 10]
    strange = Image.new("RGB", (120, 96), (255, 0, 255))  # nothing like a crag
    probs = predict(artifact, photos + [strange])
    familiar = probs[:-1].max(1).values > 1 / 3 + 0.01
    assert familiar.float().mean() >= 0.7  # about a tenth of photos like these are gated
    torch.testing.assert_close(probs[-1], torch.full((3,), 1 / 3))


def test_novelty_on_a_fine_tuned_artifact_is_refused(gated_run, tmp_path):
    artifact = load_artifact(gated_run["artifact"])
    bad = tmp_path / "bad.safetensors"
    save_artifact(bad, artifact.model, dict(artifact.meta, head="finetune"))
    with pytest.raises(UnusableModelFile, match="novelty needs a probe head"):
        load_artifact(bad)
