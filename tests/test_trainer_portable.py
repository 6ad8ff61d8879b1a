"""`train export --onnx|--torchscript`: the exported model, run by ONNX Runtime and by
torch.jit.load with only the preprocessing JSON beside it, gives cragcat's probabilities."""

import json

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from trainer.artifact import load_artifact, predict, save_artifact
from trainer.architecture import preprocessing, resolve
from trainer.backbones import create_model
from trainer.cli import train
from tests.trainer_photos import one_thread  # noqa: F401  (autouse)

GUARD = {"glory": 0.97}
BACKBONE = "mobilenet_v3_small"  # small and quick to export; the default backbone exports alike


@pytest.fixture(scope="module")
def artifact_path(tmp_path_factory):
    torch.manual_seed(3)
    model = create_model(BACKBONE, 3, "none").eval()
    pre = preprocessing(resolve(BACKBONE))
    meta = {"backbone": BACKBONE, "architecture": resolve(BACKBONE).as_dict(),
            "classes": ["glory", "butt", "topo"], "threshold": 0.8, "image_size": 64,
            "mean": pre.mean, "std": pre.std, "interpolation": pre.interpolation,
            "metrics": {}, "class_thresholds": GUARD}
    path = tmp_path_factory.mktemp("artifact") / "model.safetensors"
    save_artifact(path, model, meta)
    return path


def photos():
    """Photos of different shapes and colours, with detail for the resize to matter."""
    rng = np.random.default_rng(0)
    shapes = [(120, 90), (90, 160), (64, 64), (300, 200)]
    return [Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)) for w, h in shapes]


def pixels_from_json(image: Image.Image, pre: dict) -> np.ndarray:
    """What a consumer outside cragcat does with the preprocessing JSON, in PIL + numpy."""
    size = pre["image_size"]
    image = image.convert("RGB")
    w, h = image.size
    new = (size, int(size * h / w)) if w <= h else (int(size * w / h), size)
    if new != (w, h):
        resample = Image.BICUBIC if pre["interpolation"] == "bicubic" else Image.BILINEAR
        image = image.resize(new, resample)
    left, top = int(round((image.width - size) / 2)), int(round((image.height - size) / 2))
    image = image.crop((left, top, left + size, top + size))
    x = np.asarray(image, dtype=np.float32) * np.float32(pre["scale"])
    x = (x - np.array(pre["mean"], np.float32)) / np.array(pre["std"], np.float32)
    return x.transpose(2, 0, 1)


def export(artifact_path, tmp_path, flag):
    result = CliRunner().invoke(train, ["export", str(artifact_path), flag, "--out",
                                        str(tmp_path / f"m{flag[2:]}.bin"),
                                        "--catalog", str(tmp_path / "c.duckdb"), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    return figures, json.loads((tmp_path / f"m{flag[2:]}.preprocessing.json").read_text())


def test_onnx_in_onnx_runtime_matches_cragcat(artifact_path, tmp_path):
    figures, pre = export(artifact_path, tmp_path, "--onnx")
    assert figures["opset"] == pre["opset"] == 17
    model = onnx.load(figures["model"])
    onnx.checker.check_model(model)
    assert model.opset_import[0].version == 17
    assert pre["classes"] == ["glory", "butt", "topo"] and pre["threshold"] == 0.8
    assert pre["glory_guard"] == GUARD and pre["image_size"] == 64
    session = onnxruntime.InferenceSession(figures["model"], providers=["CPUExecutionProvider"])
    batch = np.stack([pixels_from_json(p, pre) for p in photos()])
    got = session.run(["probabilities"], {"pixels": batch})[0]
    expected = predict(load_artifact(artifact_path), photos()).numpy()
    assert got.shape == (4, 3)
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


def test_torchscript_matches_cragcat(artifact_path, tmp_path):
    figures, pre = export(artifact_path, tmp_path, "--torchscript")
    assert pre["format"] == "torchscript" and pre["output"]["name"] == "probabilities"
    scripted = torch.jit.load(figures["model"])
    batch = torch.from_numpy(np.stack([pixels_from_json(p, pre) for p in photos()]))
    with torch.no_grad():
        got = scripted(batch).numpy()
    expected = predict(load_artifact(artifact_path), photos()).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


def test_a_missing_artifact_is_one_line(tmp_path):
    result = CliRunner().invoke(train, ["export", str(tmp_path / "none.safetensors"), "--onnx",
                                        "--catalog", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
