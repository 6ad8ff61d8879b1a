"""Backbone factory: names, weights choices, freezing, and the offline message."""

import os
import socket
import subprocess
import sys

import pytest
import torch
from safetensors.torch import save_file

from tests.conftest import ROOT
from trainer.backbones import (create_model, head_parameters, preprocessing, resolve,
                               set_backbone_frozen)
from trainer.errors import UnknownBackbone, WeightsUnavailable


def test_names_resolve_to_a_library():
    assert resolve("efficientnet_lite0").library == "cragcat"
    assert resolve("resnet18").library == "torchvision"
    assert resolve("timm/resnet18").library == "timm"
    assert resolve("test_efficientnet").library == "timm"
    with pytest.raises(UnknownBackbone, match="unknown backbone 'resnet1800'"):
        resolve("resnet1800")


def test_lite0_loads_packaged_imagenet_weights():
    a = create_model("efficientnet_lite0", 3, "pretrained")
    b = create_model("efficientnet_lite0", 3, "none")
    assert a.classifier.out_features == 3
    assert not torch.equal(a.conv_stem.weight, b.conv_stem.weight)
    assert preprocessing(resolve("efficientnet_lite0")).mean == (0.5, 0.5, 0.5)


@pytest.mark.parametrize("name", ["squeezenet1_1", "mobilenet_v3_small", "timm/test_resnet"])
def test_heads_are_replaced(name):
    model = create_model(name, 3, "none").eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64)).shape == (1, 3)


def test_weights_path_loads_the_body(tmp_path):
    source = create_model("resnet18", 5, "none")
    save_file({k: v.contiguous() for k, v in source.state_dict().items()},
              str(tmp_path / "body.safetensors"))
    torch.save(source.state_dict(), tmp_path / "body.pt")
    for path in ("body.safetensors", "body.pt"):
        model = create_model("resnet18", 3, str(tmp_path / path))
        assert torch.equal(model.conv1.weight, source.conv1.weight)
        assert model.fc.out_features == 3  # the 5-way head did not fit and was skipped
    with pytest.raises(WeightsUnavailable, match="does not fit"):
        create_model("efficientnet_lite0", 3, str(tmp_path / "body.pt"))
    with pytest.raises(WeightsUnavailable, match="no such file"):
        create_model("resnet18", 3, str(tmp_path / "absent.pt"))


def test_freezing_leaves_only_the_head_trainable():
    model = create_model("timm/test_efficientnet", 3, "none")
    set_backbone_frozen(model, True)
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert trainable and all(any(p is h for h in head_parameters(model)) for p in trainable)
    set_backbone_frozen(model, False)
    assert all(p.requires_grad for p in model.parameters())


OFFLINE = """
from trainer.backbones import create_model
from trainer.errors import WeightsUnavailable
for name in ("resnet18", "timm/test_efficientnet"):
    try:
        create_model(name, 3, "pretrained")
        print("result: loaded", name)
    except WeightsUnavailable as exc:
        print("result:", exc)
"""


def offline_env(tmp_path) -> tuple[dict, socket.socket]:
    """No network, made real: every download goes to a closed loopback port
    (a bound socket that never listens) and the Hugging Face hub is offline."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(http_proxy=proxy, https_proxy=proxy, HTTP_PROXY=proxy, HTTPS_PROXY=proxy,
               HF_HUB_OFFLINE="1", TORCH_HOME=str(tmp_path / "torch"),
               HF_HOME=str(tmp_path / "hf"), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return env, closed


def test_pretrained_offline_names_the_offline_options(tmp_path):
    env, closed = offline_env(tmp_path)
    with closed:
        out = subprocess.run([sys.executable, "-c", OFFLINE], env=env, capture_output=True,
                             text=True, timeout=120, cwd=tmp_path).stdout
    lines = [l for l in out.splitlines() if l.startswith("result:")]
    assert len(lines) == 2 and not any(line.startswith("result: loaded") for line in lines)
    for line in lines:
        assert "cannot download pretrained weights" in line
        for option in ("efficientnet_lite0", "--weights PATH", "--weights none"):
            assert option in line
