"""`train export ARTIFACT --fp16|--int8`: a compact copy, measured against the original.

fp16 halves every floating tensor; int8 stores weight matrices and kernels as
int8 with one scale per output channel (weight-only quantisation: the model is
rebuilt in float32 on load, so it runs anywhere the original runs). Both are
scored on the catalog's stored test split next to the original.
"""

from __future__ import annotations

from pathlib import Path

from catalog.models import ModelRecord, record_model
from trainer.artifact import Artifact, load_artifact, read_meta, save_artifact
from trainer.data import PhotoBatches
from trainer.evaluate import score
from trainer.labels import labelled_photos
from trainer.loop import pick_device, predict_batches

DTYPES = {"fp16": "float16", "int8": "int8"}


def export_artifact(catalog, source: Path, kind: str, out: Path | None = None,
                    workers: int = 0) -> dict:
    """Write the compact copy; return sizes and test accuracies of both files."""
    meta = read_meta(source)
    original = load_artifact(source)
    target = Path(out) if out else source.with_name(f"{source.stem}.{kind}{source.suffix}")
    compact_meta = dict(meta, exported_from=original.model_id)
    model_id = save_artifact(target, original.model, compact_meta, dtype=DTYPES[kind])
    compact = load_artifact(target)
    photos = test_photos(catalog, original)
    before = _test_accuracy(original, photos, workers)
    after = _test_accuracy(compact, photos, workers)
    _record(catalog, compact, target, after)
    return {"artifact": str(target), "model_id": model_id, "kind": kind,
            "bytes": target.stat().st_size, "original_bytes": source.stat().st_size,
            "size_ratio": round(source.stat().st_size / target.stat().st_size, 2),
            "test_photos": len(photos), "test_accuracy": after, "original_test_accuracy": before}


def test_photos(catalog, artifact: Artifact) -> list:
    """The catalog's test-split photos of the artifact's classes."""
    photos, _ = labelled_photos(catalog, artifact.classes)
    test = {sha for (sha,) in catalog.query("SELECT sha256 FROM splits WHERE split = 'test'")}
    return [p for p in photos if p.sha256 in test]


def _test_accuracy(artifact: Artifact, photos: list, workers: int) -> float | None:
    if not photos:
        return None
    device = pick_device("cpu")
    batches = PhotoBatches(photos, {c: i for i, c in enumerate(artifact.classes)},
                           artifact.image_size, artifact.interpolation, 64, device.torch,
                           workers, cached=True)
    logits, targets, _ = predict_batches(artifact.model, batches, artifact.mean, artifact.std,
                                         device)
    return score(logits, targets, artifact.classes).accuracy


def _record(catalog, artifact: Artifact, path: Path, accuracy: float | None) -> None:
    metrics = dict(artifact.metrics, export={"dtype": artifact.meta["dtype"],
                                             "from": artifact.meta.get("exported_from"),
                                             "test_accuracy": accuracy})
    with catalog.transaction() as tx:
        record_model(tx, ModelRecord(
            artifact.model_id, str(path.resolve()), artifact.backbone, artifact.classes,
            artifact.threshold, artifact.image_size, accuracy, bytes=path.stat().st_size,
            run_id=artifact.meta.get("run_id"), metrics=metrics))

