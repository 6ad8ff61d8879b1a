"""Scores of one tagged catalog on one labelled set, read from the `photo_tags` report.

A model is scored the way a user would score it: tag the catalog
(tag-catalog's own code), then read ``photo_tags`` joined with the stored
splits. Accuracy, precision, recall and the confusion matrix use the top
class (argmax of the stored probabilities); coverage is the share of photos
whose verdict is not ``other`` at the model's threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The rows one evaluation reads: a labelled set's photos of one split with their verdicts.
SET_ROWS = """
SELECT p.sha256, p.human_label, p.predicted_class, p.confidence, p.probabilities,
       p.derivative_path
FROM photo_tags p
JOIN splits s ON s.sha256 = p.sha256
JOIN labels l ON l.sha256 = p.sha256
WHERE s.split = ? AND l.origin = ANY(?) AND p.status = 'tagged'
ORDER BY p.sha256
"""


@dataclass
class Verdict:
    """One labelled photo's human label and the model's answer."""

    sha256: str
    truth: str
    top: str  # argmax class
    tagged: str  # class stored by tag-catalog (top class or 'other')
    confidence: float
    probabilities: dict[str, float]
    derivative_path: str


@dataclass
class SetScores:
    """How one model did on one labelled split."""

    count: int
    accuracy: float
    coverage: float  # share not tagged other
    tagged_precision: float | None  # accuracy among photos not tagged other
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]  # rows: true class, columns: top class
    verdicts: list[Verdict] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        return {"count": self.count, "accuracy": self.accuracy, "coverage": self.coverage,
                "tagged_precision": self.tagged_precision, "per_class": self.per_class,
                "confusion": self.confusion}


def read_verdicts(catalog, split: str, origins: list[str]) -> list[Verdict]:
    """Every tagged, labelled photo of ``split`` whose label came from one of ``origins``."""
    found = []
    for sha, truth, tagged, confidence, probs, derivative in catalog.query(
            SET_ROWS, [split, origins]):
        probs = dict(probs)
        top = max(probs, key=probs.get)
        found.append(Verdict(sha, truth, top, tagged, float(confidence), probs, derivative))
    return found


def score_verdicts(verdicts: list[Verdict], classes: list[str]) -> SetScores:
    n = len(verdicts)
    index = {name: i for i, name in enumerate(classes)}
    confusion = [[0] * len(classes) for _ in classes]
    for v in verdicts:
        confusion[index[v.truth]][index[v.top]] += 1
    correct = sum(v.top == v.truth for v in verdicts)
    tagged = [v for v in verdicts if v.tagged != "other"]
    return SetScores(
        count=n, accuracy=correct / n if n else float("nan"),
        coverage=len(tagged) / n if n else float("nan"),
        tagged_precision=(sum(v.tagged == v.truth for v in tagged) / len(tagged)
                          if tagged else None),
        per_class=per_class(confusion, classes), confusion=confusion, verdicts=verdicts)


def per_class(confusion: list[list[int]], classes: list[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per class from a confusion matrix."""
    result = {}
    for i, name in enumerate(classes):
        hit = confusion[i][i]
        predicted = sum(row[i] for row in confusion)
        actual = sum(confusion[i])
        precision = hit / predicted if predicted else 0.0
        recall = hit / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[name] = {"precision": precision, "recall": recall, "f1": f1, "support": actual}
    return result


def butt_report(catalog, origins: list[str]) -> list[dict]:
    """Every butt-shot of the labelled set, one by one, with its split and verdict."""
    rows = catalog.query(
        """SELECT p.sha256, s.split, p.predicted_class, p.confidence, p.probabilities
           FROM photo_tags p JOIN splits s USING (sha256) JOIN labels l USING (sha256)
           WHERE p.human_label = 'butt' AND l.origin = ANY(?)
           ORDER BY s.split, p.sha256""", [origins])
    return [{"sha256": sha, "split": split, "tagged": tagged, "confidence": float(confidence),
             "probabilities": {k: round(float(v), 4) for k, v in dict(probs).items()}}
            for sha, split, tagged, confidence, probs in rows]


def glory_tagged_butts(butts: list[dict], splits=("val", "test")) -> list[dict]:
    """Butt-shots of held-out splits that were tagged glory (above the threshold)."""
    return [b for b in butts if b["split"] in splits and b["tagged"] == "glory"]
