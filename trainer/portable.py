"""`train export ARTIFACT --onnx|--torchscript`: the model for runtimes other than cragcat.

The exported graph takes a float32 batch ``pixels`` (N, 3, size, size) and
returns ``probabilities`` (N, classes): the softmax is part of the graph, so a
consumer needs only the preprocessing, written beside the model as JSON: how a
photo becomes ``pixels`` (RGB, shorter side to ``image_size``, centre crop,
/255, minus ``mean``, over ``std``), the ``classes`` in output order, the
``threshold`` under which cragcat calls a photo 'other', and the glory guard
(a stricter threshold per class, e.g. for glory).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import torch
from torch import nn

from trainer.artifact import Artifact, load_artifact

ONNX_OPSET = 17  # supported by ONNX Runtime >= 1.13 and by every current converter
FORMATS = {"onnx": ".onnx", "torchscript": ".torchscript.pt"}


class WithSoftmax(nn.Module):
    """The classifier with its softmax, so the exported graph gives probabilities."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.model(pixels).float().softmax(dim=1)


def preprocessing(artifact: Artifact, fmt: str) -> dict:
    """What a runtime needs to turn a photo into the model's input and read its output."""
    return {
        "format": fmt, "opset": ONNX_OPSET if fmt == "onnx" else None,
        "input": {"name": "pixels", "shape": ["N", 3, artifact.image_size, artifact.image_size],
                  "dtype": "float32", "layout": "NCHW", "colour": "RGB"},
        "output": {"name": "probabilities", "shape": ["N", len(artifact.classes)],
                   "note": "softmax already applied"},
        "image_size": artifact.image_size,
        "resize": "shorter side to image_size (aspect kept), then a centre crop of "
                  "image_size x image_size",
        "interpolation": artifact.interpolation,
        "scale": 1 / 255, "mean": list(artifact.mean), "std": list(artifact.std),
        "classes": list(artifact.classes),
        "threshold": artifact.threshold,
        "glory_guard": dict(artifact.meta.get("class_thresholds") or {}),
        "rule": "the top class if its probability >= max(threshold, glory_guard.get(class, 0)), "
                "else 'other'",
        "backbone": artifact.backbone, "model_id": artifact.model_id,
    }


def export_portable(source: Path, fmt: str, out: Path | None = None) -> dict:
    """Write ``source`` as ONNX or TorchScript, with its preprocessing JSON beside it."""
    artifact = load_artifact(source)
    target = Path(out) if out else source.with_name(source.stem + FORMATS[fmt])
    target.parent.mkdir(parents=True, exist_ok=True)
    model = WithSoftmax(artifact.model).eval()
    sample = torch.zeros(1, 3, artifact.image_size, artifact.image_size)
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fmt == "onnx":
            torch.onnx.export(model, sample, str(target), input_names=["pixels"],
                              output_names=["probabilities"], opset_version=ONNX_OPSET,
                              dynamo=False, dynamic_axes={"pixels": {0: "N"},
                                                          "probabilities": {0: "N"}})
        else:
            torch.jit.trace(model, sample).save(str(target))
    sidecar = target.with_name(target.name.split(".")[0] + ".preprocessing.json")
    sidecar.write_text(json.dumps(preprocessing(artifact, fmt), indent=2) + "\n")
    return {"model": str(target), "format": fmt, "opset": ONNX_OPSET if fmt == "onnx" else None,
            "preprocessing": str(sidecar), "bytes": target.stat().st_size,
            "classes": list(artifact.classes), "from_model_id": artifact.model_id}
