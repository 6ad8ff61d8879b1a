"""Tag photo files outside any catalog: a class name and the probabilities per file.

The same verdict as tag-catalog (crawler-free): the artifact's own transform,
its threshold and per-class thresholds; a file that cannot be read keeps its
place in the answer with a reason instead of a class.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from PIL import Image, ImageOps

from tagger.tagging import verdicts
from trainer.artifact import Artifact, predict


@dataclass(frozen=True)
class Prediction:
    """What the model says about one photo file."""

    path: str
    predicted: str | None          # a class name, or 'other' under the threshold
    confidence: float | None       # the top class's probability
    probabilities: dict[str, float] = field(default_factory=dict)
    reason: str | None = None      # why there is no verdict (the file did not decode)


def _open(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def predict_files(artifact: Artifact, paths: Iterable[str | os.PathLike],
                  batch_size: int = 32) -> list[Prediction]:
    """One :class:`Prediction` per path, in order."""
    answers: list[Prediction] = []
    paths = [Path(p) for p in paths]
    for start in range(0, len(paths), batch_size):
        answers += _predict_batch(artifact, paths[start:start + batch_size])
    return answers


def _predict_batch(artifact: Artifact, paths: list[Path]) -> list[Prediction]:
    images, failures = {}, {}
    for path in paths:
        try:
            images[path] = _open(path)
        except (OSError, ValueError) as exc:
            failures[path] = f"cannot read photo: {str(exc).splitlines()[0] if str(exc) else exc}"
    probabilities = predict(artifact, images.values()) if images else None
    chosen = verdicts(probabilities, artifact.classes, artifact.threshold,
                      artifact.meta.get("class_thresholds")) if images else []
    by_path = {path: (row, verdict) for path, row, verdict
               in zip(images, probabilities if images else [], chosen)}
    answers = []
    for path in paths:
        if path in failures:
            answers.append(Prediction(str(path), None, None, reason=failures[path]))
            continue
        row, (predicted, confidence) = by_path[path]
        answers.append(Prediction(str(path), predicted, round(confidence, 6), {
            name: round(float(p), 6) for name, p in zip(artifact.classes, row.tolist())}))
    return answers
