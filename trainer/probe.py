"""The probe: a normalised linear head fitted to convergence on frozen backbone features.

Measured on real photos from sources a model never saw (bench/RESULTS.md, "The probe"),
frozen ImageNet features with this head beat fine-tuning on a few hundred photos: the
features keep what every source shares, and a head fitted full-batch to convergence
gets sure where fine-tuning for a few epochs does not. Everything here is plain maths on
feature tensors (seconds on a CPU); trainer.probe_run wires it into `train`, and
bench.feature_probe ranks recipe ideas with the same functions.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from trainer.architecture import PROBE_SCALE, head_module
from trainer.artifact import normalise


@torch.no_grad()
def extract_features(model: nn.Module, num_classes: int, pixels: torch.Tensor, mean, std,
                     batch: int = 32, on_batch: Callable[[int], None] = lambda n: None,
                     ) -> torch.Tensor:
    """Features (N, 2, C) of uint8 photos (N, 3, S, S) and their mirror images: what the
    model's head receives (the pooled output), read by a hook, the model in eval mode."""
    _, head = head_module(model, num_classes)
    seen: list[torch.Tensor] = []
    hook = head.register_forward_hook(lambda m, inputs, out: seen.append(inputs[0].flatten(1)))
    model.eval()
    device = next(model.parameters()).device
    found = []
    try:
        for start in range(0, len(pixels), batch):
            part = pixels[start:start + batch].to(device)
            model(normalise(torch.cat([part, part.flip(-1)]), mean, std))
            feats = seen.pop().float().cpu()
            found.append(torch.stack([feats[:len(part)], feats[len(part):]], dim=1))
            on_batch(len(part))
    finally:
        hook.remove()
    return torch.cat(found) if found else torch.zeros(0, 2, 0)


def unit(features: torch.Tensor) -> torch.Tensor:
    return nn.functional.normalize(features.float(), dim=-1)


def fit_head(x: torch.Tensor, y: torch.Tensor, num_classes: int, scale: float = PROBE_SCALE,
             decay: float = 1e-3, steps: int = 300, seed: int = 0,
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """(weight, bias) of a class-balanced softmax head on L2-normalised features ``x``
    (N, C), fitted full-batch by L-BFGS to convergence."""
    torch.manual_seed(seed)
    counts = torch.bincount(y, minlength=num_classes).clamp(min=1).float()
    weights = counts.sum() / counts / num_classes  # every class weighs the same in the loss
    head = nn.Linear(x.shape[1], num_classes)
    optimiser = torch.optim.LBFGS(head.parameters(), max_iter=steps,
                                  line_search_fn="strong_wolfe")
    scaled = unit(x) * scale

    def closure():
        optimiser.zero_grad()
        loss = nn.functional.cross_entropy(head(scaled), y, weight=weights)
        loss = loss + decay * head.weight.square().sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimiser.step(closure)
    return head.weight.detach().clone(), head.bias.detach().clone()


def head_logits(head: tuple[torch.Tensor, torch.Tensor], x: torch.Tensor,
                scale: float = PROBE_SCALE) -> torch.Tensor:
    weight, bias = head
    return nn.functional.linear(unit(x) * scale, weight, bias)


def out_of_fold(x: torch.Tensor, y: torch.Tensor, groups: list[str], num_classes: int,
                scale: float = PROBE_SCALE, seed: int = 0) -> torch.Tensor:
    """Logits (N, classes) of every photo from a head fitted without its group (its
    source). ``x`` is (N, 2, C): the photo and its mirror both train, the photo is
    scored."""
    logits = torch.zeros(len(groups), num_classes)
    for group in sorted(set(groups)):
        held = torch.tensor([g == group for g in groups])
        rest = x[~held]
        head = fit_head(rest.flatten(0, 1), y[~held].repeat_interleave(rest.shape[1]),
                        num_classes, scale, seed=seed)
        logits[held] = head_logits(head, x[held, 0], scale)
    return logits


def fit_temperature(logits: torch.Tensor, y: torch.Tensor,
                    weights: torch.Tensor | None = None) -> float:
    """The temperature (0.3-5) that gives the held-out logits the lowest (weighted) loss."""
    w = torch.ones(len(y)) if weights is None else weights
    grid = torch.linspace(0.3, 5.0, 48)
    losses = [(nn.functional.cross_entropy(logits / t, y, reduction="none") * w).sum()
              for t in grid]
    return float(grid[int(torch.stack(losses).argmin())])


def class_thresholds(probs: torch.Tensor, y: torch.Tensor, precision: float,
                     floor: float | None = None,
                     weights: torch.Tensor | None = None) -> list[float]:
    """Per class, the lowest threshold whose tags of that class reach ``precision``
    (weighted by ``weights``), walking down from the surest (1.0 where none does: the
    class is never tagged sure). With a ``floor``, a class whose tags all reach it down
    to the floor gets the floor (a few sure photos say nothing against a lower
    threshold), and none goes under it."""
    w = torch.ones(len(y)) if weights is None else weights
    top, conf = probs.argmax(1), probs.max(1).values
    found = []
    for c in range(probs.shape[1]):
        mine = top == c
        chosen, broke = 1.0, False
        for t in sorted(set(conf[mine].tolist()), reverse=True):
            if floor is not None and t < floor:
                break
            tagged = mine & (conf >= t)
            if float(((y[tagged] == c).float() * w[tagged]).sum() / w[tagged].sum()) < precision:
                broke = True
                break
            chosen = t
        found.append(chosen if floor is None else floor if not broke else max(floor, chosen))
    return found


def source_weights(groups: list[str]) -> torch.Tensor:
    """1 / (photos of its source) per photo: every source counts the same in calibration,
    so one big source unlike the rest (a sample site, a bulk import) does not set the
    temperature and thresholds for all."""
    counts: dict[str, int] = {}
    for g in groups:
        counts[g] = counts.get(g, 0) + 1
    return torch.tensor([1.0 / counts[g] for g in groups])
