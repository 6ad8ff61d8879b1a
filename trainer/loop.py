"""One epoch of training, one pass of prediction, and the watchers that stop a run."""

from __future__ import annotations

import math
from contextlib import nullcontext
from dataclasses import dataclass

import torch
from torch import nn

from trainer.data import Augment, PhotoBatches, augment_batch


@dataclass
class Device:
    """Where a run computes, and the CUDA-only speed-ups it uses there."""

    torch: torch.device

    @property
    def cuda(self) -> bool:
        return self.torch.type == "cuda"

    def autocast(self):
        # bf16 keeps fp32's range, so no loss scaling is needed.
        return torch.autocast("cuda", dtype=torch.bfloat16) if self.cuda else nullcontext()

    def prepare(self, batch: torch.Tensor) -> torch.Tensor:
        # channels_last speeds up these convolutions on CPU too (oneDNN), 1.4-3x in
        # bench/RESULTS.md (real photos); a 2-d batch (a head-only input) stays as it is.
        return batch.contiguous(memory_format=torch.channels_last) if batch.dim() == 4 else batch


def pick_device(choice: str) -> Device:
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        return Device(torch.device("cuda"))
    return Device(torch.device("cpu"))


@dataclass
class EpochStats:
    loss: float
    accuracy: float
    predicted: list[int]  # how often each class was predicted


def train_one_epoch(model: nn.Module, batches: PhotoBatches, augment: Augment,
                    generator: torch.Generator, mean, std, optimizer, schedule, loss_fn,
                    device: Device, on_batch=None) -> EpochStats:
    """One pass over the training batches; returns mean loss, accuracy, prediction counts."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    predicted_counts = torch.zeros(loss_fn.num_classes, dtype=torch.long)
    for pixels, targets, _ in batches:
        inputs = device.prepare(augment_batch(pixels, augment, generator, mean, std))
        with device.autocast():
            logits = model(inputs)
        loss = loss_fn(logits.float(), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.after_batch()
        predicted = logits.detach().argmax(dim=1)
        total_loss += float(loss.detach()) * len(targets)
        correct += int((predicted == targets).sum())
        seen += len(targets)
        predicted_counts += torch.bincount(predicted.cpu(), minlength=loss_fn.num_classes)
        if on_batch is not None and on_batch(float(loss.detach())):
            break
    return EpochStats(total_loss / max(1, seen), correct / max(1, seen), predicted_counts.tolist())


@torch.no_grad()
def predict_batches(model: nn.Module, batches: PhotoBatches, mean, std,
                    device: Device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(logits, targets, indices) for every photo of a split, in eval mode, on CPU."""
    model.eval()
    logits, targets, indices = [], [], []
    for pixels, target, index in batches:
        inputs = device.prepare(augment_batch(pixels, Augment(), None, mean, std))
        with device.autocast():
            logits.append(model(inputs).float().cpu())
        targets.append(target.cpu())
        indices.append(index)
    if not logits:
        return torch.zeros(0, 0), torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
    return torch.cat(logits), torch.cat(targets), torch.cat(indices)


class ClassLoss(nn.Module):
    """Cross-entropy, optionally weighted by inverse class frequency and label-smoothed."""

    def __init__(self, num_classes: int, class_counts: list[int] | None = None,
                 label_smoothing: float = 0.0):
        super().__init__()
        self.num_classes = num_classes
        self.label_smoothing = label_smoothing
        weight = None
        if class_counts is not None:
            counts = torch.tensor(class_counts, dtype=torch.float).clamp(min=1)
            weight = counts.sum() / (len(counts) * counts)
        self.register_buffer("weight", weight)

    def forward(self, logits, targets):
        return nn.functional.cross_entropy(logits, targets, weight=self.weight,
                                           label_smoothing=self.label_smoothing)


class CollapseWatch:
    """Notices a model that predicts one class only, or a loss that is no longer a number."""

    def __init__(self, epochs: int, classes: list[str], lr: float, double_correction: bool):
        self.epochs = epochs
        self.classes = classes
        self.lr = lr
        self.double_correction = double_correction
        self.streak = 0

    def observe(self, epoch: int, loss: float, predicted: list[int], true_classes: int,
                train_predicted: list[int] | None = None,
                val_loss: float = 0.0) -> str | None:
        """A message naming the likely cause when the run has collapsed, else None.

        ``predicted`` counts the validation predictions per class; a collapsed
        model gives one class there and (nearly) only that class in training
        too — a model still learning on train is merely slow, not collapsed.
        """
        if not math.isfinite(loss) or math.isnan(val_loss):
            loss = loss if not math.isfinite(loss) else val_loss
            return (f"the loss became {loss} in epoch {epoch}: the learning rate "
                    f"({self.lr:g}) is probably too high; lower --lr or run `train find-lr`")
        used = [i for i, n in enumerate(predicted) if n > 0]
        single = len(used) == 1 and true_classes > 1
        if single and train_predicted is not None and sum(train_predicted):
            single = train_predicted[used[0]] >= 0.95 * sum(train_predicted)
        self.streak = self.streak + 1 if single else 0
        if self.streak < self.epochs:
            return None
        cause = [f"the learning rate ({self.lr:g}) may be too high"]
        if self.double_correction:
            cause.insert(0, "the weighted sampler and the class-weighted loss are both on "
                            "(double imbalance correction); turn one off")
        return (f"the model predicted only '{self.classes[used[0]]}' for {self.streak} epochs "
                f"in a row (epoch {epoch}): " + "; ".join(cause))


class EarlyStop:
    """Patience on validation loss (lower is better) or accuracy (higher is better)."""

    def __init__(self, metric: str, patience: int):
        self.metric = metric
        self.patience = patience
        self.best: float | None = None
        self.waited = 0

    def observe(self, val_loss: float, val_accuracy: float) -> bool:
        """True when the run should stop now."""
        value = val_loss if self.metric == "val_loss" else -val_accuracy
        if not math.isfinite(value):
            return False
        if self.best is None or value < self.best - 1e-6:
            self.best, self.waited = value, 0
            return False
        self.waited += 1
        return self.patience > 0 and self.waited >= self.patience
