"""The pixel check behind a near-duplicate merge: is one picture an edit of the other?

pHash says two pictures look alike; it cannot tell a re-encoded, resized,
lightly cropped or watermarked copy (the same photo) from the photo with
route lines drawn over it (a topo: a different image). This check can: it
aligns the two model-ready derivatives (trying small symmetric crops of
either one on a cheap 64 x 64 view, the best refined by half a step), then
takes the per-pixel colour difference of the aligned pair at FINE x FINE and
counts the cells of an 8 x 8 grid where the pictures clearly differ. A copy
differs nowhere, or in one compact spot (a watermark); route lines differ
along their whole length.

Why the difference is taken at FINE and not on the 64 x 64 alignment view:
an app draws its route lines about 5 px wide on a 640 x 480 photo, 2-3 px in
the 256 px derivative; averaged down to 64 x 64 such a line moves a pixel by
less than the CHANGED threshold and the topo passed for a copy (70 of 122 real
Cirque topos merged with their photo, bench/RESULTS.md). At FINE a thin line
keeps its full strength, and each cell counts its changed pixels (a max-pool
of sorts: one line crossing a cell is enough). The 1 % crop steps of the
alignment leave up to a pixel or so of misregistration at FINE, which would
light up every edge of the rock; so a pixel counts as changed only when no
pixel within REACH in the other picture matches it. A line over plain rock has
no match anywhere near; an edge shifted by a pixel has one.

On the small sample site: copies 0-3 cells, topos over photos and unrelated
pictures with close hashes 26-50; Cirque topos 2-16 (see bench/RESULTS.md).

Cells alone cannot tell a topo whose few short lines cross 2-4 cells from a
copy with a watermark; so the same changed pixels are also searched for route
strokes (crawler.strokes: long, thin, connected, outside the caption bands),
and one stroke makes the pair an edit whatever the cell count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from crawler.strokes import route_strokes

GRID = 64             # alignment is searched at GRID x GRID pixels
FINE = 256            # the aligned pair is compared at FINE x FINE (the derivative's short side)
REACH = 1             # a pixel matches any pixel this close in the other picture (misregistration)
CELLS = 8             # counted on a CELLS x CELLS grid
CHANGED = 48          # a pixel differs when a channel moves by more than this (of 255)
CELL_PIXELS = 6       # a cell differs when at least this many of its FINE pixels do
CROPS = (0.0, 0.01, 0.02, 0.03, 0.04)  # symmetric crop fractions tried for alignment
HALF_STEP = 0.005     # the best of CROPS is refined by this much each way

Crop = tuple[float, float]


def _view(picture: Image.Image, crop: Crop, size: int) -> np.ndarray:
    w, h = picture.size
    cx, cy = crop
    box = (round(w * cx), round(h * cy), w - round(w * cx), h - round(h * cy))
    return np.asarray(picture.crop(box).resize((size, size), Image.Resampling.BOX),
                      dtype=np.int16)


def _alignment(a: Image.Image, b: Image.Image) -> tuple[Crop, Crop]:
    """The crops of a and b (one of them uncropped) whose GRID views differ least: the
    best of CROPS, then that crop moved by HALF_STEP each way."""
    views_a = {(cx, cy): _view(a, (cx, cy), GRID) for cx in CROPS for cy in CROPS}
    views_b = {(cx, cy): _view(b, (cx, cy), GRID) for cx in CROPS for cy in CROPS}
    whole = (0.0, 0.0)
    best, best_mean = (whole, whole), None
    for crop in views_a:
        for pair, diff in (((crop, whole), np.abs(views_a[crop] - views_b[whole])),
                           ((whole, crop), np.abs(views_a[whole] - views_b[crop]))):
            mean = float(diff.mean())
            if best_mean is None or mean < best_mean:
                best, best_mean = pair, mean
    if best[0] != whole:
        return _refined(a, best[0], views_b[whole]), whole
    return whole, _refined(b, best[1], views_a[whole])


def _refined(cropped: Image.Image, crop: Crop, other: np.ndarray) -> Crop:
    """``crop`` of ``cropped`` moved by HALF_STEP each way, where its view differs least
    from the other picture's whole view: a copy cropped between two CROPS steps
    otherwise misregisters by about a pixel at FINE, and real rock's fine grain
    lights up cells along every edge (26 of 504 real cropped copies came apart)."""
    best, best_mean = crop, None
    for dx in (-HALF_STEP, 0.0, HALF_STEP):
        for dy in (-HALF_STEP, 0.0, HALF_STEP):
            moved = (max(0.0, crop[0] + dx), max(0.0, crop[1] + dy))
            mean = float(np.abs(_view(cropped, moved, GRID) - other).mean())
            if best_mean is None or mean < best_mean:
                best, best_mean = moved, mean
    return best


def _unmatched(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per pixel of x, the smallest largest-channel difference to y within REACH."""
    padded = np.pad(y, ((REACH, REACH), (REACH, REACH), (0, 0)), mode="edge")
    h, w = x.shape[:2]
    side = 2 * REACH + 1
    return np.min([np.abs(x - padded[dy:dy + h, dx:dx + w]).max(axis=2)
                   for dy in range(side) for dx in range(side)], axis=0)


def aligned_difference(a: Image.Image, b: Image.Image) -> np.ndarray:
    """Per-pixel difference (FINE x FINE) of a and b at their best alignment, each
    way's unmatched pixels: a line drawn on either picture shows."""
    a, b = a.convert("RGB"), b.convert("RGB")
    crop_a, crop_b = _alignment(a, b)
    fine_a, fine_b = _view(a, crop_a, FINE), _view(b, crop_b, FINE)
    return np.maximum(_unmatched(fine_a, fine_b), _unmatched(fine_b, fine_a))


@dataclass(frozen=True)
class Edits:
    """What differs between two pictures, aligned."""

    cells: int    # of the CELLS x CELLS grid, clearly different
    strokes: int  # long thin strokes among the changed pixels: drawn route lines

    def is_copy(self, max_cells: int) -> bool:
        return self.cells <= max_cells and not self.strokes


def edits(a: Image.Image, b: Image.Image) -> Edits:
    """The changed cells and route strokes between a and b at their best alignment."""
    changed = aligned_difference(a, b) > CHANGED
    return Edits(changed_cells(changed), route_strokes(changed))


def changed_cells(changed: np.ndarray) -> int:
    """How many of the CELLS x CELLS grid cells hold at least CELL_PIXELS changed pixels."""
    size = FINE // CELLS
    per_cell = changed.reshape(CELLS, size, CELLS, size).sum(axis=(1, 3))
    return int((per_cell >= CELL_PIXELS).sum())
