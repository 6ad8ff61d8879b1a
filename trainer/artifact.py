"""The model artifact: one safetensors file whose header carries cragcat's JSON metadata.

The tagger reads a model only through :func:`load_artifact` and builds its input
pipeline with :func:`build_transform` (or :func:`preprocess`), so training and
tagging see exactly the same pixels. Nothing here ever unpickles: an artifact
that is not safetensors is refused before any byte of it is interpreted.

Metadata keys: format, version, backbone, architecture {library, name},
classes, threshold, image_size, mean, std, interpolation, metrics,
labels_hash, dtype (float32 | float16 | int8), quantized (tensor names stored
as int8 with a per-row ``<name>.__scale__``), run_id, created_at; head (finetune |
probe, absent = finetune: artifacts written before the probe) and head_scale;
novelty {bank, neighbours, quantile, floors} for a probe with the novelty gate (trainer.novelty).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import torch
from PIL import Image
from torch import nn

from cragcat.files import as_if_opened
from trainer.architecture import HEADS, PROBE_SCALE, Architecture, build, head_module
from trainer.errors import ArtifactError, UnusableModelFile

FORMAT = "cragcat-model"
VERSION = 1
META_KEY = "cragcat"
SCALE_SUFFIX = ".__scale__"
REQUIRED = ("backbone", "architecture", "classes", "threshold", "image_size",
            "mean", "std", "interpolation")


@dataclass
class Artifact:
    """A loaded model with everything needed to feed it and read its answers."""

    model: nn.Module
    classes: list[str]
    threshold: float
    image_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    interpolation: str
    backbone: str
    model_id: str
    metrics: dict = field(default_factory=dict)
    path: Path | None = None
    meta: dict = field(default_factory=dict)

    def transform(self):
        return build_transform(self)


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_artifact(path: str | os.PathLike, model: nn.Module, meta: dict[str, Any],
                  dtype: str = "float32") -> str:
    """Write ``model`` + ``meta`` to ``path`` atomically; return the model_id (file sha256).

    ``dtype`` float16 halves floating weights; int8 stores every weight matrix
    and convolution kernel as int8 with one float scale per output channel.
    """
    from safetensors.torch import save_file

    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise ArtifactError(f"artifact metadata lacks {', '.join(missing)}")
    tensors, quantized = _encode(model.state_dict(), dtype)
    full = dict(meta, format=FORMAT, version=VERSION, dtype=dtype, quantized=quantized)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={META_KEY: json.dumps(full, default=_jsonable)})
        as_if_opened(tmp)  # mkstemp's 0600: the model gets the user's usual mode
        os.replace(tmp, path)  # a reader never sees half a file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return file_sha256(path)


def _jsonable(value):
    if isinstance(value, (torch.Tensor,)):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in artifact metadata")


def _encode(state: dict[str, torch.Tensor], dtype: str) -> tuple[dict, list[str]]:
    tensors, quantized = {}, []
    for name, tensor in state.items():
        tensor = tensor.detach().to("cpu").contiguous()
        if dtype == "float16" and tensor.is_floating_point():
            tensor = tensor.half()
        elif dtype == "int8" and tensor.is_floating_point() and tensor.dim() >= 2:
            q, scale = quantize_rows(tensor)
            tensors[name + SCALE_SUFFIX] = scale
            quantized.append(name)
            tensor = q
        elif dtype not in ("float32", "float16", "int8"):
            raise ArtifactError(f"unknown artifact dtype {dtype!r}")
        tensors[name] = tensor.float() if tensor.dtype == torch.bfloat16 else tensor
    return tensors, quantized


def quantize_rows(tensor: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 per output channel (first dimension)."""
    rows = tensor.float().reshape(tensor.shape[0], -1)
    scale = rows.abs().amax(dim=1).clamp(min=1e-12) / 127.0
    q = torch.round(rows / scale[:, None]).clamp(-127, 127).to(torch.int8)
    return q.reshape(tensor.shape).contiguous(), scale.contiguous()


def read_meta(path: str | os.PathLike) -> dict:
    """The artifact's metadata, read from the safetensors header only."""
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: no such model artifact")
    header = _read_header(path)
    raw = header.get("__metadata__", {}).get(META_KEY)
    if raw is None:
        raise ArtifactError(f"{path}: a safetensors file but not a cragcat model artifact")
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError:
        raise ArtifactError(f"{path}: damaged artifact metadata") from None
    if meta.get("format") != FORMAT or any(k not in meta for k in REQUIRED):
        raise ArtifactError(f"{path}: not a cragcat model artifact (metadata incomplete)")
    problem = _meta_problem(meta)
    if problem:
        raise UnusableModelFile(f"{path}: not a usable cragcat model artifact ({problem})")
    if meta["version"] > VERSION:
        raise ArtifactError(f"{path}: written by a newer cragcat (artifact version "
                            f"{meta['version']}); upgrade cragcat")
    return meta


_NUMBER = (int, float)


def _meta_problem(meta: dict) -> str | None:
    """What is wrong with metadata read from a file (which anyone may have written), or
    None: every field the loader uses is checked for its type before anything is built."""
    arch = meta["architecture"]
    checks = [
        (isinstance(meta.get("version"), int), "version is not a whole number"),
        (isinstance(arch, dict) and set(arch) == {"library", "name"}
         and all(isinstance(v, str) for v in arch.values()),
         "architecture must be {library, name}"),
        (isinstance(arch, dict) and arch.get("library") in ("cragcat", "torchvision", "timm"),
         "unknown architecture library"),
        (isinstance(meta["classes"], list) and meta["classes"]
         and all(isinstance(c, str) for c in meta["classes"]), "classes must be names"),
        (isinstance(meta["threshold"], _NUMBER), "threshold is not a number"),
        (isinstance(meta["image_size"], int) and 8 <= meta["image_size"] <= 4096,
         "image_size is not a size in pixels"),
        (all(isinstance(meta[k], list) and len(meta[k]) == 3
             and all(isinstance(v, _NUMBER) for v in meta[k]) for k in ("mean", "std")),
         "mean and std must be three numbers"),
        (isinstance(meta["interpolation"], str), "interpolation is not a name"),
        (isinstance(meta.get("quantized", []), list), "quantized is not a list"),
        (meta.get("head", "finetune") in HEADS, f"head must be one of {', '.join(HEADS)}"),
        (isinstance(meta.get("head_scale", PROBE_SCALE), _NUMBER)
         and 0 < meta.get("head_scale", PROBE_SCALE) <= 1e4, "head_scale is not a scale"),
        (not meta.get("novelty") or (meta.get("head") == "probe"
                                     and isinstance(meta["novelty"].get("bank"), int)
                                     and isinstance(meta["novelty"].get("neighbours"), int)
                                     and 0 < meta["novelty"]["neighbours"]
                                     <= meta["novelty"]["bank"]),
         "novelty needs a probe head and a bank size"),
    ]
    return next((why for ok, why in checks if not ok), None)


def _read_header(path: Path) -> dict:
    with open(path, "rb") as fh:
        prefix = fh.read(8)
        size = int.from_bytes(prefix, "little") if len(prefix) == 8 else -1
        if size <= 1 or size > 100_000_000 or size + 8 > path.stat().st_size:
            raise ArtifactError(f"{path}: not a cragcat model artifact (not a safetensors "
                                "file; pickled checkpoints are never loaded)")
        raw = fh.read(size)
    try:
        header = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ArtifactError(f"{path}: not a cragcat model artifact (unreadable header)") from None
    if not isinstance(header, dict):
        raise ArtifactError(f"{path}: not a cragcat model artifact")
    return header


def read_state(path: str | os.PathLike, meta: dict | None = None) -> dict[str, torch.Tensor]:
    """The artifact's weights as a float32 state dict (fp16 / int8 copies decoded)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    meta = meta or read_meta(path)
    try:
        tensors = load_file(str(path))
    except SafetensorError as exc:
        raise ArtifactError(f"{path}: damaged artifact ({exc})") from None
    return _decode(tensors, meta.get("quantized", []))


def load_artifact(path: str | os.PathLike, device: str | torch.device = "cpu") -> Artifact:
    """Rebuild the model (eval mode, float32) with its classes and preprocessing."""
    path = Path(path)
    meta = read_meta(path)
    arch = Architecture(**meta["architecture"])
    try:
        model = build(arch, len(meta["classes"]), meta.get("head", "finetune"),
                      float(meta.get("head_scale", PROBE_SCALE)))
    except (RuntimeError, ValueError, KeyError, AttributeError) as exc:  # an unknown model name
        raise UnusableModelFile(f"{path}: its architecture {arch.library}/{arch.name} cannot be "
                            f"built here ({str(exc).splitlines()[0][:120]})") from None
    state = read_state(path, meta)
    if meta.get("novelty"):
        _make_room_for_gate(model, len(meta["classes"]), meta["novelty"])
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise ArtifactError(f"{path}: weights do not fit {arch.name} "
                            f"({str(exc).splitlines()[0]})") from None
    model.to(device).eval()
    return Artifact(model=model, classes=list(meta["classes"]),
                    threshold=float(meta["threshold"]), image_size=int(meta["image_size"]),
                    mean=tuple(meta["mean"]), std=tuple(meta["std"]),
                    interpolation=meta["interpolation"], backbone=meta["backbone"],
                    model_id=file_sha256(path), metrics=meta.get("metrics", {}),
                    path=path, meta=meta)


def _make_room_for_gate(model, num_classes: int, novelty: dict) -> None:
    """Zeros of the gate's shapes on the probe's head, for the state dict to fill."""
    _, head = head_module(model, num_classes)
    bank = int(novelty["bank"])
    head.set_gate(torch.zeros(bank, head.weight.shape[1]), torch.zeros(bank, num_classes),
                  torch.zeros(num_classes), int(novelty["neighbours"]))


def _decode(tensors: dict[str, torch.Tensor], quantized: Iterable[str]) -> dict:
    quantized = set(quantized)
    state = {}
    for name, tensor in tensors.items():
        if name.endswith(SCALE_SUFFIX):
            continue
        if name in quantized:
            scale = tensors[name + SCALE_SUFFIX]
            shape = (-1,) + (1,) * (tensor.dim() - 1)
            tensor = tensor.float() * scale.reshape(shape)
        elif tensor.is_floating_point():
            tensor = tensor.float()
        state[name] = tensor
    return state


# -- preprocessing: the one definition of "model input" -----------------------

def fit_photo(image: Image.Image, size: int, interpolation: str) -> Image.Image:
    """RGB, shorter side resized to ``size``, centre square crop of ``size``.

    Training caches exactly this (as uint8) and inference computes it, so the
    two never disagree.
    """
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms import functional as F

    mode = InterpolationMode.BICUBIC if interpolation == "bicubic" else InterpolationMode.BILINEAR
    image = image.convert("RGB")
    image = F.resize(image, size, interpolation=mode)
    return F.center_crop(image, size)


def normalise(batch: torch.Tensor, mean, std) -> torch.Tensor:
    """uint8 (or 0..1 float) NCHW/CHW -> normalised float, as one multiply-add per value
    (a third of the time of divide, subtract, divide: 14 % of a tagging run's time was
    here)."""
    dtype = torch.float32 if batch.dtype == torch.uint8 else batch.dtype
    scale = torch.tensor([1.0 / s for s in std], dtype=dtype, device=batch.device)
    shift = torch.tensor([-m / s for m, s in zip(mean, std)], dtype=dtype, device=batch.device)
    scale, shift = scale.reshape(3, 1, 1), shift.reshape(3, 1, 1)
    if batch.dtype == torch.uint8:
        return batch.to(dtype).mul_(scale / 255.0).add_(shift)
    return torch.addcmul(shift, batch, scale)


class PhotoTransform:
    """PIL image -> normalised float tensor (3, size, size), as the artifact expects."""

    def __init__(self, image_size: int, mean, std, interpolation: str):
        self.image_size = image_size
        self.mean = tuple(mean)
        self.std = tuple(std)
        self.interpolation = interpolation

    def to_uint8(self, image: Image.Image) -> torch.Tensor:
        from torchvision.transforms import functional as F
        return F.pil_to_tensor(fit_photo(image, self.image_size, self.interpolation))

    def __call__(self, image: Image.Image) -> torch.Tensor:
        return normalise(self.to_uint8(image), self.mean, self.std)


def build_transform(source: Artifact | dict) -> PhotoTransform:
    """The inference transform of an Artifact (or of its metadata dict)."""
    get = (lambda k: getattr(source, k)) if isinstance(source, Artifact) else source.__getitem__
    return PhotoTransform(int(get("image_size")), get("mean"), get("std"), get("interpolation"))


def preprocess(artifact: Artifact, images: Iterable[Image.Image]) -> torch.Tensor:
    """A batch (N, 3, size, size) ready for ``artifact.model``."""
    transform = build_transform(artifact)
    return torch.stack([transform(image) for image in images])


@torch.no_grad()
def predict(artifact: Artifact, images: Iterable[Image.Image]) -> torch.Tensor:
    """Class probabilities (N, len(classes)) for PIL images."""
    batch = preprocess(artifact, images)
    device = next(artifact.model.parameters()).device
    return torch.softmax(artifact.model(batch.to(device)).float(), dim=1).cpu()
