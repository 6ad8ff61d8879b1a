"""`train`: labelled catalog photos -> split -> fit -> test evaluation -> artifact + outputs.

Every run is a row in ``train_runs`` (with its full configuration) and one row
per epoch in ``train_epochs``; the finished model is a row in ``models``.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch

from trainer.artifact import load_artifact, save_artifact
from trainer.architecture import preprocessing, resolve, with_head
from trainer.backbones import create_model
from trainer.data import PhotoBatches, fits_cache
from trainer.errors import NotEnoughLabels, TrainingCollapsed
from trainer.evaluate import (choose_threshold, coverage_at, guard_evidence,
                              guard_threshold, score)
from trainer.fit import FitResult, fit
from trainer.labels import LabelledPhoto, labelled_photos, labels_hash
from catalog.classes import BUTT, GLORY
from catalog.models import ModelRecord, record_model
from cragcat.cores import spare_cores
from cragcat.stopping import sigterm_as_interrupt
from trainer.loop import Device, pick_device, predict_batches
from trainer.outputs import plot_confusion, plot_curves, plot_threshold, write_misclassified
from trainer.settings import TrainOptions
from trainer.splits import assign_splits, split_counts

ARTIFACT_NAME = "model.safetensors"
CHECKPOINT_NAME = "checkpoint.safetensors"


@dataclass
class Prepared:
    """Labelled photos with their stored split, ready to load."""

    photos: list[LabelledPhoto]
    splits: dict[str, str]
    newly_split: int
    skipped: dict[str, int]
    labels_hash: str

    def of(self, split: str) -> list[LabelledPhoto]:
        return [p for p in self.photos if self.splits[p.sha256] == split]


def prepare(catalog, config: TrainOptions) -> Prepared:
    """Read labels, assign (and store) splits; refuse sets too small to train on."""
    photos, skipped = labelled_photos(catalog, config.classes)
    if len(photos) < 3:
        raise NotEnoughLabels(
            f"only {len(photos)} labelled photo(s) with a derivative in {catalog.path}; label "
            "more: `crawl --source folder PATH --labels-from-folders` or `train labels import "
            "FILE`")
    splits, new = assign_splits(catalog, photos, config.split, config.seed)
    prepared = Prepared(photos, splits, new, skipped, labels_hash(photos, splits))
    if len({p.label for p in prepared.of("train")}) < 2:
        raise NotEnoughLabels("the train split holds fewer than two classes; label more photos "
                              "of the missing classes")
    for split in ("val", "test"):
        if not prepared.of(split):
            raise NotEnoughLabels(f"the {split} split is empty; label more photos "
                                  f"(splits so far: {split_counts(photos, splits)})")
    return prepared


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def make_batches(prepared: Prepared, config: TrainOptions, device: Device,
                 interpolation: str) -> dict[str, PhotoBatches]:
    classes = {name: i for i, name in enumerate(config.classes)}
    cached = fits_cache(len(prepared.photos), config.image_size, config.cache_mb,
                        device.torch)
    common = dict(class_index=classes, size=config.image_size, interpolation=interpolation,
                  batch_size=config.batch_size, device=device.torch,
                  workers=config.workers, cached=cached)
    return {"train": PhotoBatches(prepared.of("train"), balanced=config.sampler,
                                  shuffle_seed=config.seed, **common),
            "val": PhotoBatches(prepared.of("val"), **common),
            "test": PhotoBatches(prepared.of("test"), **common)}


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


class RunRecord:
    """The run's rows in train_runs / train_epochs, written as it goes."""

    def __init__(self, catalog, run_id: str):
        self.catalog = catalog
        self.run_id = run_id

    def start(self, config: TrainOptions, labels: str, device: str) -> None:
        with self.catalog.transaction() as tx:
            tx.execute("INSERT INTO train_runs (run_id, status, config, labels_hash, device) "
                       "VALUES (?, 'running', ?, ?, ?)",
                       [self.run_id, json.dumps(config.as_dict()), labels, device])

    def epoch(self, e: dict) -> None:
        with self.catalog.transaction() as tx:
            tx.execute("INSERT INTO train_epochs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [self.run_id, e["epoch"], _finite(e["train_loss"]),
                        e["train_accuracy"], _finite(e["val_loss"]), _finite(e["val_accuracy"]),
                        e["lr"], e["seconds"]])

    def finish(self, status: str, message: str, artifact: str | None = None,
               model_id: str | None = None, collapsed: bool = False) -> None:
        with self.catalog.transaction() as tx:
            tx.execute("UPDATE train_runs SET status = ?, message = ?, artifact_path = ?, "
                       "model_id = ?, collapsed = ?, finished_at = current_timestamp "
                       "WHERE run_id = ?",
                       [status, message, artifact, model_id, collapsed, self.run_id])


def _finite(value: float) -> float | None:
    return value if value == value and abs(value) != float("inf") else None


def set_up(catalog, config: TrainOptions):
    """Labels and split, device, threads, seed and a fresh model: what train and find-lr share."""
    prepared = prepare(catalog, config)
    device = pick_device(config.device)
    if not device.cuda:
        torch.set_num_threads(spare_cores(config.threads))
    seed_everything(config.seed)
    arch = resolve(config.backbone)
    pre = preprocessing(arch)
    model = create_model(config.backbone, len(config.classes), config.weights)
    model = with_head(model, len(config.classes), config.head)
    model.to(device.torch)
    model.to(memory_format=torch.channels_last)  # on CPU too: see Device.prepare
    return prepared, device, arch, pre, model


def train(catalog, config: TrainOptions, console, out_dir: Path | None = None,
          on_epoch: Callable[[dict], bool | None] | None = None) -> dict:
    """Run one training end to end; return the figures the command prints."""
    started = time.perf_counter()
    prepared, device, arch, pre, model = set_up(catalog, config)
    run_id = new_run_id()
    out_dir = Path(out_dir or Path(config.out) / run_id)
    record = RunRecord(catalog, run_id)
    record.start(config, prepared.labels_hash, str(device.torch))
    meta = _meta(config, arch, pre, prepared, run_id)
    console.info(f"run {run_id}: {len(prepared.of('train'))} train, "
                 f"{len(prepared.of('val'))} val, {len(prepared.of('test'))} test photos "
                 f"on {device.torch} ({torch.get_num_threads()} threads); "
                 f"{config.backbone} at {config.image_size} px, head {config.head}")
    if config.head == "probe":
        return _probe(catalog, config, console, (prepared, device, arch, pre, model), record,
                      meta, out_dir, on_epoch, started)
    batches = make_batches(prepared, config, device, pre.interpolation)
    _warn_about(console, config, batches, prepared)

    def each_epoch(figures: dict) -> bool | None:
        record.epoch(figures)
        console.info(f"epoch {figures['epoch']}: train loss {figures['train_loss']:.4f} "
                     f"acc {figures['train_accuracy']:.3f} | val loss {figures['val_loss']:.4f} "
                     f"acc {figures['val_accuracy']:.3f} ({figures['seconds']:.1f}s)")
        return on_epoch(figures) if on_epoch else None

    steps = config.epochs * len(batches["train"])
    with _recorded(record, "interrupted; the best checkpoint so far is kept"), \
            console.progress("training batches", total=steps) as bar:
        result = fit(model, batches["train"], batches["val"], config, device, pre.mean,
                     pre.std, out_dir / CHECKPOINT_NAME, meta, each_epoch,
                     on_batch=_batch_bar(bar))
    if result.stopped in ("collapsed", "pruned") or result.best_epoch is None:
        return _stopped(record, result, out_dir)
    figures = finish(catalog, record, result, batches, config, device, meta, out_dir)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    _warn_without_guard(console, config, figures)
    return figures


@contextmanager
def _recorded(record: RunRecord, interrupted: str) -> Iterator[None]:
    """A run stopped (Ctrl-C, SIGTERM) or failing is recorded as such before it ends."""
    try:
        with sigterm_as_interrupt():
            yield
    except KeyboardInterrupt:
        record.finish("interrupted", interrupted)
        raise
    except BaseException as exc:
        record.finish("failed", f"{type(exc).__name__}: {exc}")
        raise


def _probe(catalog, config: TrainOptions, console, setup, record: RunRecord, meta: dict,
           out_dir: Path, on_epoch, started: float) -> dict:
    """The probe recipe (trainer.probe_run), recorded like a fine-tuning run."""
    from trainer.probe_run import train_probe

    for reason, count in setup[0].skipped.items():
        console.warn(f"{count} labelled photo(s) left out: {reason}")
    with _recorded(record, "interrupted before the head was fitted"):
        done = train_probe(catalog, config, console, setup, record, meta, out_dir, on_epoch)
    if done["undecodable"]:
        console.warn(f"{len(done['undecodable'])} photo(s) could not be decoded and were "
                     "left out")
    metrics, test, artifact = done["metrics"], done["scores"], done["artifact"]
    _record_model(catalog, done["model_id"], artifact, config, done["threshold"], test,
                  metrics, record.run_id)
    record.finish("finished", metrics["calibration"], str(artifact), done["model_id"])
    figures = {"artifact": str(artifact), "model_id": done["model_id"],
               "run_id": record.run_id, "head": "probe", "test_accuracy": test.accuracy,
               "test_loss": test.loss, "per_class": test.per_class, "confusion": test.confusion,
               "threshold": done["threshold"], "val_accuracy": metrics["val_accuracy"],
               "best_epoch": 1, "epochs": 1, "stopped": "finished", "out_dir": str(out_dir),
               "device": str(setup[1].torch), "bytes": artifact.stat().st_size,
               "calibration": metrics["calibration"],
               "class_thresholds": done["class_thresholds"], "glory_guard": done["glory_guard"],
               "glory_guard_evidence": metrics["glory_guard_evidence"],
               "novelty_gate": metrics.get("novelty"),
               "seconds": round(time.perf_counter() - started, 1)}
    _warn_without_guard(console, config, figures)
    return figures


def _warn_without_guard(console, config: TrainOptions, figures: dict) -> None:
    """Say so when the glory guard is on but the calibration photos could not set it:
    measured on unseen sources, such a model tagged real butt-shots glory (RESULTS.md)."""
    evidence = figures["glory_guard_evidence"]
    guard = figures.get("glory_guard", figures["class_thresholds"].get(GLORY))
    if not config.glory_guard or guard is not None or \
            BUTT not in config.classes or GLORY not in config.classes:
        return
    where = ("the validation split" if not figures.get("calibration", "").startswith("out")
             else "the out-of-fold photos (each scored by a head that never saw it)")
    found = ("holds no butt-shot" if not evidence["photos"] else
             f"held only {evidence['photos']} butt-shot(s) the model was sure of "
             f"(P(glory) at most {evidence['hardest']:.3f})")
    console.warn(f"no glory guard: {where} {found}, so nothing says how sure "
                 "the model must be before a glory tag is safe; on photos from other "
                 "sources it may tag butt-shots glory and suggest them as covers. Label "
                 "butt-shots from your own sources (cragcat review) and train again.")


def _batch_bar(bar) -> Callable[[float], None]:
    """Move the training bar one batch on, with the batch's loss in its description."""
    def each_batch(loss: float) -> None:
        bar.update(description=f"training batches (loss {loss:.3f})")
        bar.advance()
    return each_batch


def _stopped(record: RunRecord, result: FitResult, out_dir: Path) -> dict:
    if result.stopped == "pruned":
        record.finish("pruned", result.message)
        return {"run_id": record.run_id, "status": "pruned", "epochs": result.epochs,
                "out_dir": str(out_dir)}
    message = result.message or "no epoch gave a usable validation score"
    record.finish("collapsed", message, collapsed=True)
    raise TrainingCollapsed(f"run {record.run_id} collapsed: {message}")


def _warn_about(console, config: TrainOptions, batches: dict, prepared: Prepared) -> None:
    if config.sampler and config.class_weights:
        console.warn("the weighted sampler and the class-weighted loss are both on: together "
                     "they over-correct toward the rare class; turn one off "
                     "(--no-sampler or --no-class-weights)")
    for reason, count in prepared.skipped.items():
        console.warn(f"{count} labelled photo(s) left out: {reason}")
    for split, photos in batches.items():
        if photos.undecodable:
            console.warn(f"{len(photos.undecodable)} {split} photo(s) could not be decoded "
                         "and were left out")


def _meta(config: TrainOptions, arch, pre, prepared: Prepared, run_id: str) -> dict:
    return {"backbone": config.backbone, "architecture": arch.as_dict(),
            "classes": config.classes, "threshold": config.threshold_floor,
            "image_size": config.image_size, "mean": list(pre.mean), "std": list(pre.std),
            "interpolation": pre.interpolation, "labels_hash": prepared.labels_hash,
            "run_id": run_id, "metrics": {},
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "split_counts": split_counts(prepared.photos, prepared.splits)}


def finish(catalog, record: RunRecord, result: FitResult, batches: dict, config: TrainOptions,
           device: Device, meta: dict, out_dir: Path) -> dict:
    """Best checkpoint -> threshold on val, one test evaluation, outputs, artifact, rows."""
    classes = config.classes
    best = load_artifact(out_dir / CHECKPOINT_NAME, device=device.torch)
    mean, std = best.mean, best.std
    val_logits, val_targets, _ = predict_batches(best.model, batches["val"], mean, std, device)
    threshold = choose_threshold(val_logits.softmax(1), val_targets,
                                 config.threshold_floor, config.threshold_precision)
    class_thresholds = _class_thresholds(val_logits.softmax(1), val_targets, classes,
                                         threshold.value, config)
    evidence = guard_evidence(val_logits.softmax(1), val_targets, classes)
    logits, targets, indices = predict_batches(best.model, batches["test"], mean, std, device)
    test = score(logits, targets, classes)
    metrics = {"test_accuracy": test.accuracy, "test_loss": test.loss,
               "per_class": test.per_class, "confusion": test.confusion,
               "test_count": test.count, "val_accuracy": result.best_val_accuracy,
               "val_loss": result.best_val_loss, "best_epoch": result.best_epoch,
               "epochs_run": len(result.epochs), "stopped": result.stopped,
               "threshold": {"value": threshold.value, "val_precision": threshold.precision,
                             "val_coverage": threshold.coverage,
                             "reached_target": threshold.reached_target,
                             "test": coverage_at(logits.softmax(1), targets, threshold.value)},
               "class_thresholds": class_thresholds, "glory_guard": class_thresholds.get(GLORY),
               "glory_guard_evidence": evidence}
    _write_outputs(out_dir, result, test, threshold, batches["test"], logits, targets, indices,
                   classes)
    artifact = out_dir / ARTIFACT_NAME
    model_id = save_artifact(artifact, best.model, dict(meta, threshold=threshold.value,
                                                        class_thresholds=class_thresholds,
                                                        metrics=metrics))
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    _record_model(catalog, model_id, artifact, config, threshold.value, test, metrics,
                  record.run_id)
    record.finish(result.stopped if result.stopped == "early-stop" else "finished",
                  result.message, str(artifact), model_id)
    return {"artifact": str(artifact), "model_id": model_id, "run_id": record.run_id,
            "test_accuracy": test.accuracy, "test_loss": test.loss, "per_class": test.per_class,
            "confusion": test.confusion, "threshold": threshold.value,
            "val_accuracy": result.best_val_accuracy, "best_epoch": result.best_epoch,
            "epochs": len(result.epochs), "stopped": result.stopped, "out_dir": str(out_dir),
            "device": str(device.torch), "bytes": artifact.stat().st_size,
            "class_thresholds": class_thresholds, "glory_guard": class_thresholds.get(GLORY),
            "glory_guard_evidence": evidence}


def _class_thresholds(probs, targets, classes: list[str], threshold: float,
                      config: TrainOptions) -> dict[str, float]:
    """Per-class thresholds stricter than the shared one (the glory guard, when on)."""
    if not config.glory_guard:
        return {}
    glory = guard_threshold(probs, targets, classes, threshold)
    return {} if glory is None or glory <= threshold else {GLORY: glory}


def _write_outputs(out_dir, result, test, threshold, test_batches, logits, targets, indices,
                   classes) -> None:
    plot_curves(result.epochs, out_dir / "curves.png")
    plot_confusion(test.confusion, classes, out_dir / "confusion.png")
    plot_threshold(threshold.curve, threshold.value, out_dir / "threshold.png")
    probs = logits.softmax(1)
    mistakes = []
    for row, (target, index) in enumerate(zip(targets.tolist(), indices.tolist())):
        predicted = int(probs[row].argmax())
        if predicted != target:
            photo = test_batches.photos[index]
            mistakes.append({"sha256": photo.sha256, "true": classes[target],
                             "predicted": classes[predicted],
                             "confidence": float(probs[row, predicted]),
                             "source": photo.derivative})
    write_misclassified(out_dir / "misclassified", mistakes)


def _record_model(catalog, model_id, artifact: Path, config, threshold, test, metrics,
                  run_id) -> None:
    with catalog.transaction() as tx:
        record_model(tx, ModelRecord(
            model_id, str(artifact.resolve()), config.backbone, config.classes, threshold,
            config.image_size, test.accuracy, test.loss, artifact.stat().st_size, run_id,
            metrics))
