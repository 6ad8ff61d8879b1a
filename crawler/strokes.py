"""Drawn route lines among the pixels that changed between two aligned pictures.

Counting changed cells (crawler.compare) cannot tell a topo whose few short lines
cross 2-4 cells of the grid from a copy with a watermark (copies reach 3 cells).
The shape of what changed can: a route line is a long thin connected stroke; a
copy's changes are compact marks (a watermark's letters and box, JPEG noise), a
one-pixel sliver where an edge moved by a pixel, or a strip along the frame where
the alignment's crop steps differ.

Each 8-connected group of changed pixels is measured along its own principal axis
(the eigenvectors of its pixel coordinates' covariance, all groups at once with
scipy.ndimage): its LENGTH is the extent along that axis, its mean width its area
over that length. A stroke is at least MIN_LENGTH long, between MIN_WIDTH and
MAX_WIDTH wide, and not wholly in the top or bottom CAPTION_BAND of the picture,
where sites stamp credits and watermarks: a text line is made of thin strokes too,
and only its place tells it from a route (a route line climbs the rock; a line
drawn wholly along the picture's bottom or top edge is missed).

Measured on 256 x 256 differences (bench/RESULTS.md): every one of 122 real Cirque
topos has a stroke (its longest 30-267 px long, 1.6-7.4 px wide); of 1,259 copy
pairs (the sample site's and real photos' re-encoded, resized, cropped and
watermarked copies) none has one: their longest groups are watermark letters (in
the bands), a 1 px sliver 37 px long, and marks at most 17 px long.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

MARGIN = 2            # px along the frame left out: crop steps differ there by up to ~1.5 px
MIN_LENGTH = 24       # px (of 256): a stroke is about a tenth of the picture long or more
MIN_WIDTH = 1.5       # px: thinner is a one-pixel sliver, an edge moved by misregistration
MAX_WIDTH = 8.0       # px: wider on average is a patch or a blob, not a drawn line
CAPTION_BAND = 1 / 8  # of the height: credits and watermarks sit in the top or bottom eighth
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def route_strokes(changed: np.ndarray) -> int:
    """How many long thin strokes, outside the caption bands, the changed pixels form."""
    changed = changed.copy()
    changed[:MARGIN] = changed[-MARGIN:] = False
    changed[:, :MARGIN] = changed[:, -MARGIN:] = False
    labels, count = ndimage.label(changed, structure=EIGHT_CONNECTED)
    if not count:
        return 0
    ys, xs = np.nonzero(labels)
    groups = labels[ys, xs] - 1
    length, area = _lengths(ys.astype(np.float64), xs.astype(np.float64), groups, count)
    top = np.full(count, changed.shape[0])
    bottom = np.zeros(count, dtype=np.int64)
    np.minimum.at(top, groups, ys)
    np.maximum.at(bottom, groups, ys)
    band = changed.shape[0] * CAPTION_BAND
    in_band = (bottom < band) | (top >= changed.shape[0] - band)
    width = area / length
    strokes = (length >= MIN_LENGTH) & (width >= MIN_WIDTH) & (width <= MAX_WIDTH) & ~in_band
    return int(strokes.sum())


def _lengths(ys: np.ndarray, xs: np.ndarray, groups: np.ndarray,
             count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: its extent along its principal axis (px) and its area (pixels)."""
    area = np.bincount(groups, minlength=count).astype(np.float64)
    mean_y = np.bincount(groups, ys, count) / area
    mean_x = np.bincount(groups, xs, count) / area
    dy, dx = ys - mean_y[groups], xs - mean_x[groups]
    syy = np.bincount(groups, dy * dy, count) / area
    sxx = np.bincount(groups, dx * dx, count) / area
    sxy = np.bincount(groups, dy * dx, count) / area
    angle = 0.5 * np.arctan2(2 * sxy, sxx - syy)  # the major axis of each group's 2x2 covariance
    along = dx * np.cos(angle)[groups] + dy * np.sin(angle)[groups]
    low = np.full(count, np.inf)
    high = np.full(count, -np.inf)
    np.minimum.at(low, groups, along)
    np.maximum.at(high, groups, along)
    return high - low + 1, area
