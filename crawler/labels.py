"""Human labels from folder names: 'glory-shot', 'Rear', 'topos' -> a class.

How a hand-labelled set arrives: one sub-folder per class, named the way a
person would name it. Names are compared after lower-casing and folding
spaces, dots and underscores into hyphens.
"""

from __future__ import annotations

import re
from collections import Counter

from catalog.labels import write_labels

CLASSES = ("glory", "butt", "topo")

SYNONYMS = {
    "glory": ("glory", "glories", "glory-shot", "glory-shots", "gloryshot", "gloryshots",
              "hero", "hero-shot", "hero-shots", "action", "action-shot", "action-shots"),
    "butt": ("butt", "butts", "butt-shot", "butt-shots", "buttshot", "buttshots", "rear",
             "rear-view", "rear-shot", "rear-shots", "from-below", "belay-view",
             "belayer-view", "belayers-view"),
    "topo": ("topo", "topos", "topo-diagram", "topo-diagrams", "diagram", "diagrams",
             "route-diagram", "route-diagrams", "route-lines", "crag-topo", "crag-topos",
             "overlay", "overlays", "line-drawing", "line-drawings"),
}

_BY_NAME = {name: label for label, names in SYNONYMS.items() for name in names}


def normalise(name: str) -> str:
    return re.sub(r"[\s._-]+", "-", name.strip().lower()).strip("-")


def label_for_folder(name: str) -> str | None:
    """The class a folder name stands for, or None when it names no class."""
    return _BY_NAME.get(normalise(name))


def record_labels(tx, labels: dict[str, str], origin: str) -> Counter:
    """Record sha256 -> label; counts of 'new', 'same' (already so labelled) and
    'conflict' (labelled otherwise before: the earlier label is kept)."""
    verdicts: Counter = Counter()
    if not labels:
        return verdicts
    existing = dict(tx.execute("SELECT sha256, label FROM labels WHERE sha256 IN "
                               "(SELECT unnest(?))", [list(labels)]).fetchall())
    fresh = {sha: label for sha, label in labels.items() if sha not in existing}
    for sha, label in labels.items():
        if sha in existing:
            verdicts["same" if existing[sha] == label else "conflict"] += 1
    write_labels(tx, fresh, origin)
    verdicts["new"] += len(fresh)
    return verdicts
