"""Scores of a model on a split: accuracy, loss, per-class P/R/F1, confusion, threshold."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from catalog.classes import BUTT, GLORY


@dataclass
class Scores:
    """How a model did on one split."""

    accuracy: float
    loss: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    count: int

    def as_dict(self) -> dict:
        return {"accuracy": self.accuracy, "loss": self.loss, "per_class": self.per_class,
                "confusion": self.confusion, "count": self.count}


def score(logits: torch.Tensor, targets: torch.Tensor, classes: list[str]) -> Scores:
    """Scores from raw logits (N, C) and true class indices (N)."""
    logits, targets = logits.float().cpu(), targets.cpu()
    count = len(targets)
    if count == 0:
        return Scores(float("nan"), float("nan"), {}, [[0] * len(classes)] * len(classes), 0)
    loss = float(F.cross_entropy(logits, targets))
    predicted = logits.argmax(dim=1)
    n = len(classes)
    confusion = torch.bincount(targets * n + predicted, minlength=n * n).reshape(n, n)
    accuracy = float((predicted == targets).float().mean())
    return Scores(accuracy, loss, _per_class(confusion, classes), confusion.tolist(), count)


def _per_class(confusion: torch.Tensor, classes: list[str]) -> dict[str, dict[str, float]]:
    result = {}
    for i, name in enumerate(classes):
        true_pos = float(confusion[i, i])
        predicted = float(confusion[:, i].sum())
        actual = float(confusion[i, :].sum())
        precision = true_pos / predicted if predicted else 0.0
        recall = true_pos / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[name] = {"precision": precision, "recall": recall, "f1": f1,
                        "support": int(actual)}
    return result


@dataclass
class Threshold:
    """The 'other' threshold and the precision/coverage it gave on validation."""

    value: float
    precision: float
    coverage: float
    reached_target: bool
    curve: list[tuple[float, float, float]]  # (threshold, precision, coverage)


def choose_threshold(probs: torch.Tensor, targets: torch.Tensor, floor: float = 0.9,
                     target_precision: float = 0.98) -> Threshold:
    """The lowest threshold >= floor whose accepted predictions reach the target precision.

    A prediction is accepted when its top probability is at least the
    threshold; coverage is the accepted fraction. When no threshold reaches
    the target, the one with the best precision is taken (ties: lower).
    """
    top, predicted = probs.float().max(dim=1)
    correct = predicted == targets
    candidates = sorted({floor} | {float(t) for t in top.tolist() if t >= floor})
    curve = []
    for threshold in candidates:
        accepted = top >= threshold
        covered = int(accepted.sum())
        precision = float(correct[accepted].float().mean()) if covered else 1.0
        curve.append((threshold, precision, covered / max(1, len(top))))
    reaching = [row for row in curve if row[1] >= target_precision]
    best = reaching[0] if reaching else max(curve, key=lambda row: (row[1], -row[0]))
    return Threshold(best[0], best[1], best[2], bool(reaching), curve)


def guard_threshold(probs: torch.Tensor, targets: torch.Tensor, classes: list[str],
                    base: float, guarded: str = GLORY, against: str = BUTT,
                    cap: float = 0.999) -> float | None:
    """A stricter threshold for ``guarded``: halfway from the highest P(guarded) that a
    validation photo of class ``against`` got to certainty (never under ``base``, never
    over ``cap``). None when the classes are not both there or no such photo exists."""
    if guarded not in classes or against not in classes:
        return None
    rows = targets == classes.index(against)
    if not bool(rows.any()):
        return None
    worst = float(probs.float()[rows, classes.index(guarded)].max())
    return max(base, min(cap, (worst + 1.0) / 2))


def guard_evidence(probs: torch.Tensor, targets: torch.Tensor, classes: list[str],
                   guarded: str = GLORY, against: str = BUTT) -> dict:
    """What the validation split says about the guard: how many photos of ``against``
    it holds and the highest P(``guarded``) any of them got (None without them)."""
    if guarded not in classes or against not in classes:
        return {"photos": 0, "hardest": None}
    rows = targets == classes.index(against)
    hardest = float(probs.float()[rows, classes.index(guarded)].max()) if bool(rows.any()) else None
    return {"photos": int(rows.sum()), "hardest": hardest}


def coverage_at(probs: torch.Tensor, targets: torch.Tensor, threshold: float) -> dict:
    """Precision and coverage of ``threshold`` on another split (the test split)."""
    top, predicted = probs.float().max(dim=1)
    accepted = top >= threshold
    covered = int(accepted.sum())
    precision = float((predicted == targets)[accepted].float().mean()) if covered else None
    return {"threshold": threshold, "precision": precision,
            "coverage": covered / max(1, len(top))}
