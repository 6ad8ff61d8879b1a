"""The probe's novelty gate: a photo unlike every labelled photo of its class is 'other'.

A head on frozen features is sure of anything that points its way: on the sample site,
approach, gear and crag photos (none labelled, none of the three classes) got P(glory)
0.995-0.9999 and became the covers of 7 of 58 routes. What such a photo lacks is a
labelled neighbour: the labelled photos of its top class nearest to it are further away
than for photos of that class. So the probe keeps a bank of labelled photos' unit
features and a floor per class: the likeness (mean cosine similarity to the
``NEIGHBOURS`` nearest bank photos of the class) that all but ``train.novelty_quantile``
of the calibration photos reach when compared with the bank photos of *other* groups
(other sources, or other folds). A photo under its top class's floor gets equal
logits, so the tagger calls it 'other' and the review queue puts it first.

Calibrated by source, the floor is what a photo from an unseen source reaches, so the
gate leaves unseen real sources alone (measured leave-one-source-out on 721 real photos:
coverage, top-1 and every per-source figure unchanged) while the sample site's approach
and gear photos are caught (its covers 51/58 -> 58/58 true glory-shots).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import torch

# Bank photos per class: the nearest-neighbour search is one (batch x bank) product
# per tagged batch, and the bank travels in the artifact (256 x 3 x 1280 floats: 4 MB).
BANK_PER_CLASS = 256
# A class with fewer calibration photos than this gets no floor: a quantile of a
# handful of similarities says nothing.
MIN_CLASS_PHOTOS = 20
# A photo's likeness to a class is its mean cosine similarity to the class's NEIGHBOURS
# nearest bank photos: steadier than the single nearest (on the sample site, 10
# caught the approach and gear photos that were covers, the nearest alone half).
NEIGHBOURS = 10
OTHER_CLASS = -4.0  # added to a bank row's similarity for the classes it is not
NO_FLOOR = -10.0  # under any likeness, other-class rows included


def bank_rows(y: torch.Tensor, keys: list[str], num_classes: int, seed: int,
              per_class: int = BANK_PER_CLASS) -> torch.Tensor:
    """Indices of the bank: per class, up to ``per_class`` photos in a hash order of
    their keys (deterministic, and the same photos whatever order they came in)."""
    chosen = []
    for c in range(num_classes):
        mine = [i for i in range(len(keys)) if int(y[i]) == c]
        mine.sort(key=lambda i: hashlib.sha256(f"{seed}:{keys[i]}".encode()).digest())
        chosen += sorted(mine[:per_class])
    return torch.tensor(chosen, dtype=torch.long)


def class_penalty(bank_y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(bank, classes): 0 where the bank photo is of the class, OTHER_CLASS elsewhere."""
    own = torch.nn.functional.one_hot(bank_y, num_classes).float()
    return (1 - own) * OTHER_CLASS


def likeness(unit: torch.Tensor, bank: torch.Tensor, penalty: torch.Tensor,
             neighbours: int) -> torch.Tensor:
    """(N, classes): each photo's mean cosine similarity to its ``neighbours`` nearest
    bank photos of each class (unit features in, as the head sees them)."""
    sims = unit @ bank.T
    return (sims.unsqueeze(2) + penalty.unsqueeze(0)).topk(neighbours, dim=1).values.mean(1)


def out_of_group_likeness(unit: torch.Tensor, y: torch.Tensor, groups: list[str],
                          bank: torch.Tensor, bank_y: torch.Tensor, bank_groups: list[str],
                          neighbours: int, chunk: int = 1024) -> torch.Tensor:
    """(N,): each photo's likeness to the bank photos of its own class from other groups
    (NO_FLOOR where there are fewer than ``neighbours``)."""
    ids = {g: i for i, g in enumerate(sorted(set(groups) | set(bank_groups)))}
    g = torch.tensor([ids[x] for x in groups])
    bank_g = torch.tensor([ids[x] for x in bank_groups])
    found = []
    for start in range(0, len(unit), chunk):
        part = slice(start, start + chunk)
        sims = unit[part] @ bank.T
        usable = (bank_y[None, :] == y[part, None]) & (bank_g[None, :] != g[part, None])
        like = sims.masked_fill(~usable, NO_FLOOR).topk(min(neighbours, len(bank)), dim=1)
        enough = usable.sum(1) >= neighbours
        found.append(torch.where(enough, like.values.mean(1), torch.tensor(NO_FLOOR)))
    return torch.cat(found) if found else torch.zeros(0)


def class_floors(like: torch.Tensor, y: torch.Tensor, num_classes: int, quantile: float,
                 weights: torch.Tensor | None = None) -> list[float]:
    """Per class, the (weighted) ``quantile`` of its calibration photos' out-of-group
    likeness: the floor a new photo of that class must reach."""
    w = torch.ones(len(y)) if weights is None else weights
    floors = []
    for c in range(num_classes):
        mine = (y == c) & (like > NO_FLOOR)
        if quantile <= 0 or int(mine.sum()) < MIN_CLASS_PHOTOS:
            floors.append(NO_FLOOR)
            continue
        values, order = like[mine].sort()
        share = w[mine][order].cumsum(0) / w[mine].sum()
        floors.append(float(values[int((share < quantile).sum())]))
    return floors


@dataclass
class Gate:
    """What the probe's head carries: the bank, its class penalty and a floor per class,
    with the share of calibration photos under their class's floor."""

    bank: torch.Tensor
    penalty: torch.Tensor
    floors: list[float]
    neighbours: int
    quantile: float
    gated: float

    def meta(self, classes: list[str]) -> dict:
        return {"bank": len(self.bank), "neighbours": self.neighbours,
                "quantile": self.quantile,
                "floors": {c: round(f, 4) for c, f in zip(classes, self.floors) if f > NO_FLOOR}}


def fit_gate(x: torch.Tensor, y: torch.Tensor, groups: list[str], keys: list[str],
             num_classes: int, quantile: float, seed: int) -> Gate:
    """The gate from the calibration photos' features ``x`` (N, C), classes, groups
    (sources or folds, as calibration used) and keys (their sha256)."""
    unit = torch.nn.functional.normalize(x.float(), dim=-1)
    rows = bank_rows(y, keys, num_classes, seed)
    bank, bank_y = unit[rows], y[rows]
    neighbours = max(1, min(NEIGHBOURS, len(rows)))
    like = out_of_group_likeness(unit, y, groups, bank, bank_y,
                                 [groups[i] for i in rows.tolist()], neighbours)
    floors = class_floors(like, y, num_classes, quantile)
    under = like < torch.tensor(floors)[y]
    gated = float(under.float().mean()) if len(y) else 0.0
    return Gate(bank, class_penalty(bank_y, num_classes), floors, neighbours, quantile, gated)
