"""Human labels from folder names: 'glory-shot', 'Rear', 'topos' -> a class.

How a hand-labelled set arrives: one sub-folder per class, named the way a
person would name it. Names are compared after lower-casing and folding
spaces, dots and underscores into hyphens.
"""

from __future__ import annotations

import re
from catalog.classes import BUTT, GLORY, TOPO

SYNONYMS = {
    GLORY: ("glory", "glories", "glory-shot", "glory-shots", "gloryshot", "gloryshots",
              "hero", "hero-shot", "hero-shots", "action", "action-shot", "action-shots"),
    BUTT: ("butt", "butts", "butt-shot", "butt-shots", "buttshot", "buttshots", "rear",
             "rear-view", "rear-shot", "rear-shots", "from-below", "belay-view",
             "belayer-view", "belayers-view"),
    TOPO: ("topo", "topos", "topo-diagram", "topo-diagrams", "diagram", "diagrams",
             "route-diagram", "route-diagrams", "route-lines", "crag-topo", "crag-topos",
             "overlay", "overlays", "line-drawing", "line-drawings"),
}

_BY_NAME = {name: label for label, names in SYNONYMS.items() for name in names}


def normalise(name: str) -> str:
    return re.sub(r"[\s._-]+", "-", name.strip().lower()).strip("-")


def label_for_folder(name: str) -> str | None:
    """The class a folder name stands for, or None when it names no class."""
    return _BY_NAME.get(normalise(name))
