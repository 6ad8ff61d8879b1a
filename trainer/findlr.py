"""`train find-lr`: the learning-rate range test.

The learning rate grows geometrically from ``find_lr_min`` to ``find_lr_max``
over ``find_lr_steps`` training batches while the smoothed loss is recorded;
the test stops early once the loss explodes. The suggestion is the rate where
the smoothed loss falls fastest (steepest negative slope against log lr),
taken before the loss minimum.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from trainer.data import Augment, PhotoBatches, fits_cache
from trainer.errors import NotEnoughLabels
from trainer.loop import ClassLoss, train_one_epoch
from trainer.optim import create_optimizer
from trainer.outputs import plot_lr_range
from trainer.run import set_up
from trainer.settings import TrainOptions


class RangeSchedule:
    """Sets lr = low * (high/low) ** (step / steps) after every batch."""

    def __init__(self, optimizer, low: float, high: float, steps: int):
        self.optimizer = optimizer
        self.rates = np.geomspace(low, high, steps).tolist()
        self.step = 0
        self._set(self.rates[0])

    def _set(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def after_batch(self) -> None:
        self.step += 1
        if self.step < len(self.rates):
            self._set(self.rates[self.step])


def range_test(model, batches: PhotoBatches, config: TrainOptions, device, mean, std
               ) -> tuple[list[float], list[float]]:
    """(learning rates, smoothed losses) until the steps run out or the loss explodes."""
    steps = config.find_lr_steps
    low, high = config.find_lr_min or 1e-7, config.find_lr_max
    optimizer = create_optimizer(model, config.optimizer, low, config.weight_decay,
                                 config.momentum)
    schedule = RangeSchedule(optimizer, low, high, steps)
    loss_fn = ClassLoss(len(config.classes)).to(device.torch)
    augment = Augment(config.flip, config.color_jitter, config.crop_scale)
    generator = torch.Generator(device=device.torch).manual_seed(config.seed)
    lrs, losses, state = [], [], {"avg": 0.0, "best": math.inf}

    def on_batch(loss: float) -> bool:
        lrs.append(schedule.rates[min(len(lrs), steps - 1)])
        state["avg"] = 0.9 * state["avg"] + 0.1 * loss
        smoothed = state["avg"] / (1 - 0.9 ** len(lrs))
        losses.append(smoothed)
        state["best"] = min(state["best"], smoothed)
        state["done"] = (len(lrs) >= steps or not math.isfinite(smoothed)
                         or smoothed > 4 * state["best"])
        return state["done"]

    state["done"] = False
    while not state["done"]:
        train_one_epoch(model, batches, augment, generator, mean, std, optimizer, schedule,
                        loss_fn, device, on_batch=on_batch)
    return lrs, losses


def suggest(lrs: list[float], losses: list[float]) -> float:
    """The rate of steepest descent before the minimum of the smoothed loss."""
    finite = [(lr, loss) for lr, loss in zip(lrs, losses) if math.isfinite(loss)]
    if len(finite) < 3:
        return finite[0][0] if finite else lrs[0]
    rates = np.array([f[0] for f in finite])
    values = np.array([f[1] for f in finite])
    stop = int(values.argmin()) + 1
    if stop < 3:
        return float(rates[0])
    slope = np.gradient(values[:stop], np.log(rates[:stop]))
    return float(rates[int(slope.argmin())])


def find_lr(catalog, config: TrainOptions, console, out_path: Path) -> dict:
    prepared, device, _, pre, model = set_up(catalog, config)
    train_photos = prepared.of("train")
    batches = PhotoBatches(train_photos, {c: i for i, c in enumerate(config.classes)},
                           config.image_size, pre.interpolation, config.batch_size,
                           device.torch, config.workers,
                           fits_cache(len(train_photos), config.image_size,
                                      config.cache_mb, device.torch),
                           balanced=config.sampler, shuffle_seed=config.seed)
    if not len(batches):
        raise NotEnoughLabels("no decodable training photos for the range test")
    console.info(f"range test: {config.find_lr_steps} steps from {config.find_lr_min:g} "
                 f"to {config.find_lr_max:g} on {len(train_photos)} training photos")
    lrs, losses = range_test(model, batches, config, device, pre.mean, pre.std)
    suggested = suggest(lrs, losses)
    plot_lr_range(lrs, losses, suggested, out_path)
    return {"suggested_lr": suggested, "plot": str(out_path), "steps": len(lrs),
            "lowest_loss": float(min(losses)) if losses else None,
            "lr_at_lowest_loss": lrs[int(np.nanargmin(losses))] if losses else None}
