"""CUDA paths: device-resident pixel cache, augmentation there, bf16 + channels_last runs.
Run with `make test-gpu` on a machine with CUDA."""

import json

import pytest
import torch
from click.testing import CliRunner

from catalog import open_catalog
from cragcat.cli import main
from tests.trainer_photos import labelled_catalog
from trainer.data import Augment, PhotoBatches, augment_batch
from trainer.labels import labelled_photos

pytestmark = pytest.mark.gpu


def _cuda() -> torch.device:
    assert torch.cuda.is_available(), "this test needs CUDA (run it where a GPU is lent)"
    return torch.device("cuda")


def test_cached_pixels_live_and_augment_on_the_gpu(tmp_path):
    device = _cuda()
    with open_catalog(labelled_catalog(tmp_path / "c.duckdb", per_class=4)) as catalog:
        photos, _ = labelled_photos(catalog, ["glory", "butt", "topo"])
    batches = PhotoBatches(photos, {"glory": 0, "butt": 1, "topo": 2}, 64, "bicubic", 4,
                           device, 0, cached=True, balanced=True, shuffle_seed=0)
    assert batches.pixels.device.type == "cuda" and batches.pixels.dtype == torch.uint8
    generator = torch.Generator(device=device).manual_seed(0)
    for pixels, targets, _ in batches:
        out = augment_batch(pixels, Augment(True, 0.2, 0.6), generator, (0.5,) * 3, (0.5,) * 3)
        assert out.device.type == "cuda" and out.shape == (len(targets), 3, 64, 64)


def test_short_cuda_run(tmp_path):
    _cuda()
    catalog = labelled_catalog(tmp_path / "c.duckdb", per_class=12)
    (tmp_path / "empty.toml").touch()
    result = CliRunner().invoke(main, [
        "train", "--catalog", str(catalog), "--device", "cuda", "--epochs", "3",
        "--image-size", "64", "--batch-size", "8", "--out", str(tmp_path / "runs"), "--json",
        "--config", str(tmp_path / "empty.toml")])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["device"] == "cuda" and figures["test_accuracy"] > 0.6
