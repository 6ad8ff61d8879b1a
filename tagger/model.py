"""Find the model artifact to tag with and build its input pipeline.

The artifact's format belongs to the trainer (trainer.artifact); the tagger
only asks it for the model, its classes, threshold and preprocessing.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torchvision.transforms import v2 as transforms

from cragcat.errors import CragcatError, UsageError


class ModelNotFound(CragcatError):
    """The catalog names no model yet, or the named artifact file is missing."""


def artifact_path(catalog, requested: str | None) -> Path:
    """``requested``, else the newest model recorded in the catalog."""
    if requested:
        path = Path(requested)
        if not path.is_file():
            raise UsageError(f"--model {requested}: no such artifact file")
        return path
    row = catalog.query_one("SELECT path FROM models ORDER BY created_at DESC, model_id LIMIT 1")
    if row is None:
        raise ModelNotFound("the catalog has no model yet: run `train` first, "
                            "or pass --model PATH")
    for candidate in (Path(row[0]), catalog.path.parent / row[0]):
        if candidate.is_file():
            return candidate
    raise ModelNotFound(f"the latest model's artifact {row[0]} is missing; "
                        "pass --model PATH or run `train` again")


def load_model(catalog, requested: str | None):
    """The Artifact to tag with (see trainer.artifact.load_artifact)."""
    from trainer.artifact import load_artifact
    return load_artifact(artifact_path(catalog, requested))


def photo_transform(artifact):
    """PIL image -> normalised tensor, exactly as the trainer evaluates."""
    interpolation = {"bicubic": transforms.InterpolationMode.BICUBIC,
                     "bilinear": transforms.InterpolationMode.BILINEAR}[artifact.interpolation]
    return transforms.Compose([
        transforms.PILToTensor(),
        transforms.Resize(artifact.image_size, interpolation=interpolation, antialias=True),
        transforms.CenterCrop(artifact.image_size),
        transforms.ToDtype(torch.float32, scale=True),
        transforms.Normalize(list(artifact.mean), list(artifact.std)),
    ])


def register_model(catalog, artifact, path: str | None = None) -> None:
    """Record an artifact in ``models`` unless the trainer already did."""
    metrics = dict(artifact.metrics or {})
    with catalog.transaction() as tx:
        tx.execute(
            """INSERT OR IGNORE INTO models (model_id, path, backbone, classes, threshold,
                   image_size, test_accuracy, test_loss, metrics)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [artifact.model_id, path or getattr(artifact, "path", "") or "", artifact.backbone,
             list(artifact.classes), artifact.threshold, artifact.image_size,
             metrics.get("test_accuracy"), metrics.get("test_loss"), json.dumps(metrics)])
