"""Hostile model files: damaged safetensors for --weights, lying metadata for --model."""

import json
import struct

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import save_file

from cragcat.cli import main
from trainer.artifact import META_KEY, load_artifact, save_artifact
from trainer.architecture import preprocessing, resolve
from trainer.backbones import create_model
from trainer.errors import UnusableModelFile


def tiny_weights(path):
    save_file({"fc.weight": torch.zeros(3, 4)}, str(path))
    return path


def damaged(tmp_path):
    whole = tiny_weights(tmp_path / "whole.safetensors").read_bytes()
    yield "huge header length", struct.pack("<Q", 1 << 60) + b'{"a": 1}'
    yield "bad JSON", struct.pack("<Q", 12) + b'{"a": [1, 2' + b"\0" * 64
    yield "cut short", whole[: len(whole) - 20]


def test_damaged_weights_are_one_line_and_nothing_is_loaded(tmp_path):
    for name, data in damaged(tmp_path):
        path = tmp_path / f"{name}.safetensors"
        path.write_bytes(data)
        with pytest.raises(UnusableModelFile) as info:
            create_model("resnet18", 3, weights=str(path))
        assert info.value.exit_code == 2
        assert "damaged safetensors file" in str(info.value), name


def artifact_meta():
    arch = resolve("resnet18")
    pre = preprocessing(arch)
    return {"backbone": "resnet18", "architecture": arch.as_dict(),
            "classes": ["glory", "butt", "topo"], "threshold": 0.0, "image_size": 32,
            "mean": pre.mean, "std": pre.std, "interpolation": pre.interpolation}


@pytest.fixture(scope="module")
def real_artifact(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "m.safetensors"
    save_artifact(path, create_model("resnet18", 3, "none").eval(), artifact_meta())
    return path


def with_meta(source, target, change):
    """A copy of ``source`` whose metadata ``change`` rewrote (the tensors stay valid)."""
    from safetensors import safe_open
    with safe_open(str(source), "pt") as handle:
        meta = json.loads(handle.metadata()[META_KEY])
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}
    change(meta)
    save_file(tensors, str(target), metadata={META_KEY: json.dumps(meta)})
    return target


@pytest.mark.parametrize("change, why", [
    (lambda m: m["architecture"].update(evil="x"), "architecture must be"),
    (lambda m: m["architecture"].update(library="pickle"), "unknown architecture library"),
    (lambda m: m["architecture"].update(name="no_such_net"), "cannot be built here"),
    (lambda m: m.update(classes="glory"), "classes must be names"),
    (lambda m: m.update(threshold="high"), "threshold is not a number"),
    (lambda m: m.update(image_size=[32]), "image_size"),
    (lambda m: m.update(mean=None), "mean and std"),
])
def test_hostile_metadata_is_refused_before_anything_is_built(change, why, real_artifact,
                                                              tmp_path, catalog_path):
    hostile = with_meta(real_artifact, tmp_path / "hostile.safetensors", change)
    with pytest.raises(UnusableModelFile) as info:
        load_artifact(hostile)
    assert why in str(info.value)
    from catalog import open_catalog
    open_catalog(catalog_path).close()
    result = CliRunner().invoke(main, ["tag-catalog", "--model", str(hostile),
                                       "--catalog", str(catalog_path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and why in result.output
