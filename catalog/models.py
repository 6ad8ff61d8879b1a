"""The one writer of ``models``: every model artifact the catalog knows.

Training records the model it made, `train export` the compact copy, and
tag-catalog a model given by path. A model_id is the SHA-256 of the artifact
file, so one id is one file's bytes: the first record of it stands, and a later
record of the same file only fills in what the first left empty.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class ModelRecord:
    """One row of ``models``."""

    model_id: str
    path: str
    backbone: str
    classes: list[str]
    threshold: float
    image_size: int | None = None
    test_accuracy: float | None = None
    test_loss: float | None = None
    bytes: int | None = None
    run_id: str | None = None
    metrics: dict = field(default_factory=dict)


_COLUMNS = list(ModelRecord.__dataclass_fields__)
_INSERT = (f"INSERT INTO models ({', '.join(_COLUMNS)}) "
           f"VALUES ({', '.join('?' for _ in _COLUMNS)}) "
           "ON CONFLICT (model_id) DO UPDATE SET "
           + ", ".join(f"{c} = coalesce(models.{c}, excluded.{c})" for c in _COLUMNS[1:]))


def record_model(tx, model: ModelRecord) -> None:
    """Add ``model``, or fill in what an earlier record of the same file left empty."""
    values = asdict(model)
    values["metrics"] = json.dumps(values["metrics"])
    values["classes"] = list(values["classes"])
    tx.execute(_INSERT, [values[c] for c in _COLUMNS])


def forget_model(tx, model_id: str) -> None:
    """Drop a model whose artifact is gone (a sweep keeps only its best trials')."""
    tx.execute("DELETE FROM models WHERE model_id = ?", [model_id])
