"""Find the model artifact to tag with and build its input pipeline.

The artifact's format belongs to the trainer (trainer.artifact); the tagger
only asks it for the model, its classes, threshold and preprocessing.
"""

from __future__ import annotations

from pathlib import Path

import torch

from catalog.models import ModelRecord, record_model
from trainer.artifact import PhotoTransform, load_artifact, normalise
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
    return load_artifact(artifact_path(catalog, requested))


def photo_transform(artifact) -> PhotoTransform:
    """The trainer's own inference transform for this artifact.

    Workers run its ``to_uint8`` half (resize, centre crop: a quarter of the
    bytes of float pixels cross the process boundary); the batch is then
    normalised at once with :func:`pixels_for_model`, on the model's device.
    """
    return PhotoTransform(artifact.image_size, artifact.mean, artifact.std,
                          artifact.interpolation)


def pixels_for_model(pixels: torch.Tensor, artifact, device: torch.device) -> torch.Tensor:
    """A uint8 batch from the loader -> the normalised float batch the model expects."""
    return normalise(pixels.to(device, non_blocking=True), artifact.mean, artifact.std)


def register_model(catalog, artifact) -> None:
    """Record an artifact in ``models`` unless the trainer already did."""
    metrics = dict(artifact.metrics or {})
    with catalog.transaction() as tx:
        record_model(tx, ModelRecord(
            artifact.model_id, str(getattr(artifact, "path", None) or ""), artifact.backbone,
            list(artifact.classes), artifact.threshold, artifact.image_size,
            metrics.get("test_accuracy"), metrics.get("test_loss"), metrics=metrics))
