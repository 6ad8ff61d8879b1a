"""Optimiser and learning-rate schedule factories (explicit keyword arguments)."""

from __future__ import annotations

import torch
from torch import nn

from trainer.backbones import head_parameters


def create_optimizer(model: nn.Module, name: str, lr: float, weight_decay: float,
                     momentum: float = 0.9, backbone_lr_scale: float = 1.0
                     ) -> torch.optim.Optimizer:
    """Adam, AdamW or SGD over every parameter (frozen ones simply get no gradient).

    ``backbone_lr_scale`` below 1 trains the pretrained body slower than the new
    head (discriminative learning rates); the head's group comes first, so the
    reported learning rate is the head's.
    """
    params = parameter_groups(model, lr, backbone_lr_scale)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay, momentum=momentum,
                               nesterov=momentum > 0)
    raise ValueError(f"unknown optimizer {name!r}")


def parameter_groups(model: nn.Module, lr: float, backbone_lr_scale: float) -> list:
    if backbone_lr_scale == 1.0:
        return list(model.parameters())
    head = head_parameters(model)
    ids = {id(p) for p in head}
    body = [p for p in model.parameters() if id(p) not in ids]
    return [{"params": head, "lr": lr}, {"params": body, "lr": lr * backbone_lr_scale}]


class LrSchedule:
    """One schedule API for the loop: ``after_batch()`` and ``after_epoch()``.

    constant: lr never changes; exponential: lr *= decay after each epoch;
    onecycle: warm up then anneal over the whole run, stepped per batch;
    cosine-restarts: cosine annealing restarted every ``restart_epochs``
    (doubling each cycle), stepped per batch with fractional epochs.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, kind: str, lr: float, epochs: int,
                 steps_per_epoch: int, decay: float = 0.9, restart_epochs: int = 2):
        self.optimizer = optimizer
        self.kind = kind
        self.steps_per_epoch = max(1, steps_per_epoch)
        self._step = 0
        sched = torch.optim.lr_scheduler
        if kind == "constant":
            self.scheduler = None
        elif kind == "exponential":
            self.scheduler = sched.ExponentialLR(optimizer, gamma=decay)
        elif kind == "onecycle":
            total = epochs * self.steps_per_epoch
            # Warm up for a quarter of the run, but at least one step; a run of
            # one step has nothing to schedule.
            peaks = [group["lr"] for group in optimizer.param_groups]  # one per lr group
            self.scheduler = None if total < 2 else sched.OneCycleLR(
                optimizer, max_lr=peaks, total_steps=total, pct_start=max(0.25, 1.5 / total))
        elif kind == "cosine-restarts":
            self.scheduler = sched.CosineAnnealingWarmRestarts(optimizer, T_0=restart_epochs,
                                                               T_mult=2)
        else:
            raise ValueError(f"unknown schedule {kind!r}")

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def after_batch(self) -> None:
        self._step += 1
        if self.kind == "onecycle" and self.scheduler is not None \
                and self._step < self.scheduler.total_steps:
            self.scheduler.step()
        elif self.kind == "cosine-restarts":
            self.scheduler.step(self._step / self.steps_per_epoch)

    def after_epoch(self) -> None:
        if self.kind == "exponential":
            self.scheduler.step()
