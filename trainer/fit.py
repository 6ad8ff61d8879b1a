"""The epoch loop: train, validate, keep the best checkpoint, stop early or on collapse."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from trainer.artifact import save_artifact
from trainer.backbones import set_backbone_frozen
from trainer.data import Augment, PhotoBatches
from trainer.evaluate import score
from trainer.loop import (ClassLoss, CollapseWatch, Device, EarlyStop, predict_batches,
                          train_one_epoch)
from trainer.optim import LrSchedule, create_optimizer
from trainer.settings import TrainOptions


@dataclass
class FitResult:
    """What the loop did: every epoch's figures, the best epoch, and why it stopped."""

    epochs: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
    best_val_accuracy: float = -1.0
    best_val_loss: float = float("inf")
    stopped: str = "finished"  # finished | early-stop | collapsed | pruned
    message: str = ""


def fit(model: nn.Module, train: PhotoBatches, val: PhotoBatches, config: TrainOptions,
        device: Device, mean, std, checkpoint: Path, checkpoint_meta: dict,
        on_epoch: Callable[[dict], bool | None] = lambda e: None,
        on_batch: Callable[[float], None] = lambda loss: None) -> FitResult:
    """Train for ``config.epochs`` epochs at most; the best by val accuracy is saved.

    ``on_epoch`` sees each epoch's figures (to record them); returning True
    stops the run as pruned (a sweep's hopeless trial). ``on_batch`` sees each
    training batch's loss (a progress bar).
    """
    classes = config.classes
    counts = torch.bincount(train.targets, minlength=len(classes)).tolist()
    loss_fn = ClassLoss(len(classes), counts if config.class_weights else None,
                        config.label_smoothing).to(device.torch)
    optimizer = create_optimizer(model, config.optimizer, config.lr,
                                 config.weight_decay, config.momentum,
                                 config.backbone_lr_scale)
    schedule = LrSchedule(optimizer, config.schedule, config.lr, config.epochs,
                          len(train), config.lr_decay, config.restart_epochs)
    augment = Augment(config.flip, config.color_jitter, config.crop_scale)
    generator = torch.Generator(device=device.torch).manual_seed(config.seed)
    watch = CollapseWatch(config.collapse_epochs, classes, config.lr,
                          config.sampler and config.class_weights)
    stopper = EarlyStop(config.early_stop, config.patience)
    val_classes = len(set(val.targets.tolist()))
    result = FitResult()
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        _freeze_for(model, config.freeze, epoch)
        lr = schedule.lr
        stats = train_one_epoch(model, train, augment, generator, mean, std, optimizer,
                                schedule, loss_fn, device, on_batch=_never_stops(on_batch))
        schedule.after_epoch()
        logits, targets, _ = predict_batches(model, val, mean, std, device)
        val_scores = score(logits, targets, classes)
        val_predicted = torch.bincount(logits.argmax(1), minlength=len(classes)).tolist() \
            if len(logits) else [0] * len(classes)
        figures = {"epoch": epoch, "train_loss": stats.loss, "train_accuracy": stats.accuracy,
                   "val_loss": val_scores.loss, "val_accuracy": val_scores.accuracy,
                   "lr": lr, "seconds": time.perf_counter() - started}
        result.epochs.append(figures)
        if _is_best(result, val_scores):
            result.best_epoch = epoch
            result.best_val_accuracy, result.best_val_loss = val_scores.accuracy, val_scores.loss
            save_artifact(checkpoint, model, dict(checkpoint_meta, epoch=epoch))
        pruned = on_epoch(figures)
        message = watch.observe(epoch, stats.loss, val_predicted, val_classes,
                                stats.predicted, val_scores.loss)
        if message:
            result.stopped, result.message = "collapsed", message
            break
        if pruned:
            result.stopped, result.message = "pruned", f"pruned after epoch {epoch}"
            break
        if stopper.observe(val_scores.loss, val_scores.accuracy):
            result.stopped = "early-stop"
            result.message = (f"stopped early after epoch {epoch}: {config.early_stop} did "
                              f"not improve for {config.patience} epochs")
            break
    return result


def _never_stops(on_batch: Callable[[float], None]) -> Callable[[float], bool]:
    """train_one_epoch stops at a callback's True; a watcher of batches never stops it."""
    def watch(loss: float) -> bool:
        on_batch(loss)
        return False
    return watch


def _is_best(result: FitResult, val) -> bool:
    if val.accuracy != val.accuracy or val.loss != val.loss:  # NaN never wins
        return False
    return (val.accuracy > result.best_val_accuracy
            or (val.accuracy == result.best_val_accuracy and val.loss < result.best_val_loss))


def _freeze_for(model: nn.Module, freeze: str, epoch: int) -> None:
    if freeze == "backbone":
        set_backbone_frozen(model, True)
    elif freeze == "first-epoch":
        set_backbone_frozen(model, epoch == 1)
    else:
        set_backbone_frozen(model, False)
