"""The model artifact: safetensors + metadata round trips; pickles are never loaded."""

import pickle
from pathlib import Path

import pytest
import torch
from PIL import Image

from trainer.artifact import (build_transform, load_artifact, predict, preprocess,
                              read_meta, save_artifact)
from trainer.architecture import preprocessing, resolve
from trainer.backbones import create_model
from trainer.errors import ArtifactError, UntrustedCheckpoint
from tests.trainer_photos import one_thread  # noqa: F401  (autouse)


def _meta(backbone="efficientnet_lite0", image_size=64):
    arch = resolve(backbone)
    pre = preprocessing(arch)
    return {"backbone": backbone, "architecture": arch.as_dict(),
            "classes": ["glory", "butt", "topo"], "threshold": 0.9,
            "image_size": image_size, "mean": pre.mean, "std": pre.std,
            "interpolation": pre.interpolation, "metrics": {"test_accuracy": 1.0},
            "labels_hash": "ab" * 32}


def _photo(path: Path, colour=(200, 40, 10), size=(300, 260)) -> Path:
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 7):
        image.putpixel((x, x % size[1]), (0, 255, 0))
    image.save(path, quality=90)
    return path


@pytest.fixture(scope="module")
def lite0():
    torch.manual_seed(0)
    model = create_model("efficientnet_lite0", 3, "pretrained")
    # Train-mode statistics would differ from eval; give BN non-trivial state too.
    return model.eval()


def test_round_trip_gives_identical_logits(tmp_path, lite0):
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = lite0(x)
    model_id = save_artifact(tmp_path / "m.safetensors", lite0, _meta())
    artifact = load_artifact(tmp_path / "m.safetensors")
    assert artifact.model_id == model_id and len(model_id) == 64
    assert not artifact.model.training
    with torch.no_grad():
        assert torch.equal(artifact.model(x), expected)
    assert artifact.classes == ["glory", "butt", "topo"]
    assert artifact.mean == (0.5, 0.5, 0.5) and artifact.interpolation == "bicubic"
    assert artifact.image_size == 64 and artifact.threshold == 0.9
    assert artifact.metrics == {"test_accuracy": 1.0}


def test_torchvision_backbone_round_trip(tmp_path):
    torch.manual_seed(1)
    model = create_model("resnet18", 3, "none").eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
    save_artifact(tmp_path / "r.safetensors", model, _meta("resnet18"))
    artifact = load_artifact(tmp_path / "r.safetensors")
    with torch.no_grad():
        assert torch.equal(artifact.model(x), expected)
    assert artifact.mean == (0.485, 0.456, 0.406)


def test_compact_copies_stay_close(tmp_path, lite0):
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = lite0(x).softmax(1)
    sizes = {}
    for dtype in ("float32", "float16", "int8"):
        path = tmp_path / f"{dtype}.safetensors"
        save_artifact(path, lite0, _meta(), dtype=dtype)
        sizes[dtype] = path.stat().st_size
        with torch.no_grad():
            probs = load_artifact(path).model(x).softmax(1)
        assert torch.allclose(probs, expected, atol=0.05), dtype
        assert read_meta(path)["dtype"] == dtype
    assert sizes["int8"] < sizes["float16"] < sizes["float32"] / 1.8
    assert sizes["int8"] < sizes["float32"] / 3


def test_transform_matches_predict(tmp_path, lite0):
    save_artifact(tmp_path / "m.safetensors", lite0, _meta(image_size=72))
    artifact = load_artifact(tmp_path / "m.safetensors")
    photo = Image.open(_photo(tmp_path / "p.jpg"))
    tensor = build_transform(artifact)(photo)
    assert tensor.shape == (3, 72, 72) and tensor.dtype == torch.float32
    assert -1.0 <= tensor.min() and tensor.max() <= 1.0  # mean = std = 0.5
    batch = preprocess(artifact, [photo, photo])
    assert torch.equal(batch[0], tensor)
    probs = predict(artifact, [photo])
    assert probs.shape == (1, 3) and abs(float(probs.sum()) - 1) < 1e-5


class _Payload:
    """Unpickling this would create a marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_pickle_checkpoint_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "code-ran"
    evil = tmp_path / "model.pt"
    torch.save({"state_dict": {"w": torch.zeros(1)}, "x": _Payload(marker)}, evil)
    raw = tmp_path / "model.pkl"
    raw.write_bytes(pickle.dumps(_Payload(marker)))
    for path in (evil, raw):
        with pytest.raises(ArtifactError, match="never loaded"):
            load_artifact(path)
        with pytest.raises(UntrustedCheckpoint, match="refused"):
            create_model("resnet18", 3, str(path))
    assert not marker.exists()


def test_foreign_safetensors_is_not_an_artifact(tmp_path):
    from safetensors.torch import save_file
    save_file({"w": torch.zeros(2)}, str(tmp_path / "w.safetensors"))
    with pytest.raises(ArtifactError, match="not a cragcat model artifact"):
        load_artifact(tmp_path / "w.safetensors")
    with pytest.raises(ArtifactError, match="no such"):
        load_artifact(tmp_path / "absent.safetensors")


def test_metadata_must_be_complete(tmp_path, lite0):
    meta = _meta()
    del meta["classes"]
    with pytest.raises(ArtifactError, match="classes"):
        save_artifact(tmp_path / "m.safetensors", lite0, meta)
    assert not (tmp_path / "m.safetensors").exists()


def test_an_int8_artifact_as_weights_is_dequantised(tmp_path, lite0):
    save_artifact(tmp_path / "q.safetensors", lite0, _meta(), dtype="int8")
    model = create_model("efficientnet_lite0", 3, str(tmp_path / "q.safetensors"))
    assert model.conv_stem.weight.dtype == torch.float32
    assert torch.allclose(model.conv_stem.weight, lite0.conv_stem.weight, atol=0.02)
