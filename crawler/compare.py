"""The pixel check behind a near-duplicate merge: is one picture an edit of the other?

pHash says two pictures look alike; it cannot tell a re-encoded, resized,
lightly cropped or watermarked copy (the same photo) from the photo with
route lines drawn over it (a topo: a different image). This check can: it
aligns the two model-ready derivatives (trying small symmetric crops of
either one), takes the per-pixel colour difference on a 64 x 64 grid, and
counts the cells of an 8 x 8 grid where the pictures clearly differ. A copy
differs nowhere, or in one compact spot (a watermark); route lines differ
along their whole length, across many cells.

On the small sample site: copies 0-2 cells, topos over photos 17-52, and
unrelated pictures with close hashes 37-64 (see bench/RESULTS.md).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

GRID = 64             # compared at GRID x GRID pixels
CELLS = 8             # counted on a CELLS x CELLS grid
CHANGED = 48          # a pixel differs when a channel moves by more than this (of 255)
CELL_PIXELS = 3       # a cell differs when at least this many of its pixels do
CROPS = (0.0, 0.01, 0.02, 0.03, 0.04)  # symmetric crop fractions tried for alignment


def _view(picture: Image.Image, cx: float, cy: float) -> np.ndarray:
    w, h = picture.size
    box = (round(w * cx), round(h * cy), w - round(w * cx), h - round(h * cy))
    return np.asarray(picture.crop(box).resize((GRID, GRID), Image.Resampling.BOX),
                      dtype=np.int16)


def _views(picture: Image.Image) -> dict[tuple[float, float], np.ndarray]:
    return {(cx, cy): _view(picture, cx, cy) for cx in CROPS for cy in CROPS}


def aligned_difference(a: Image.Image, b: Image.Image) -> np.ndarray:
    """Per-pixel largest channel difference at the best alignment (GRID x GRID)."""
    views_a, views_b = _views(a.convert("RGB")), _views(b.convert("RGB"))
    whole_a, whole_b = views_a[(0.0, 0.0)], views_b[(0.0, 0.0)]
    best, best_mean = None, None
    for crop in views_a:
        for diff in (np.abs(views_a[crop] - whole_b), np.abs(whole_a - views_b[crop])):
            mean = float(diff.mean())
            if best_mean is None or mean < best_mean:
                best, best_mean = diff, mean
    return best.max(axis=2)


def edited_cells(a: Image.Image, b: Image.Image) -> int:
    """How many of the CELLS x CELLS grid cells differ clearly between a and b."""
    changed = aligned_difference(a, b) > CHANGED
    size = GRID // CELLS
    per_cell = changed.reshape(CELLS, size, CELLS, size).sum(axis=(1, 3))
    return int((per_cell >= CELL_PIXELS).sum())
