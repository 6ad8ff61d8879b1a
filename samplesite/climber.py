"""The climber figure, seen three ways.

- ``from_side``: the whole body small in the frame, profile or back, arms up
  to holds and legs bent against the wall (glory-shot).
- ``from_above``: helmet and shoulders nearest the camera, arms reaching up
  towards it, legs foreshortened below (glory-shot from the belay).
- ``from_below``: soles and legs nearest the camera, reaching up from the
  bottom edge to a rear and harness that fill the middle of the frame, the
  torso small beyond (butt-shot).

Each takes a ``random.Random`` for pose and clothing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import ImageDraw

from samplesite.scenery import CLOTHES, SKIN, jitter


@dataclass(frozen=True)
class Outfit:
    top: tuple
    trousers: tuple
    helmet: tuple
    skin: tuple
    harness: tuple
    shoes: tuple


def outfit(r: random.Random) -> Outfit:
    return Outfit(top=jitter(r.choice(CLOTHES), r), trousers=jitter(r.choice(CLOTHES), r),
                  helmet=jitter(r.choice(CLOTHES), r), skin=r.choice(SKIN),
                  harness=r.choice([(30, 30, 30), (200, 60, 30), (40, 60, 160), (230, 200, 40)]),
                  shoes=r.choice([(40, 40, 40), (200, 80, 20), (60, 60, 140), (150, 30, 30)]))


def limb(draw: ImageDraw.ImageDraw, points, width: float, colour) -> None:
    """A thick bent limb with rounded joints and ends."""
    width = max(1, int(width))
    draw.line(points, fill=colour, width=width, joint="curve")
    for x, y in (points[0], points[-1]):
        draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=colour)


def _polar(x: float, y: float, length: float, degrees: float) -> tuple[float, float]:
    a = math.radians(degrees)
    return x + length * math.cos(a), y - length * math.sin(a)


def from_side(draw: ImageDraw.ImageDraw, x: float, y: float, size: float,
              r: random.Random, look: Outfit | None = None) -> None:
    """A whole climber about ``size`` px tall, harness at (x, y)."""
    look = look or outfit(r)
    t = size * 0.09  # limb thickness
    lean = r.uniform(-15, 15)
    shoulder = _polar(x, y, size * 0.32, 90 + lean)
    arms = look.skin if r.random() < 0.5 else look.top  # bare arms or sleeves
    for side in (-1, 1):  # arms: one high, one lower, bent at the elbow
        reach = 90 + side * r.uniform(10, 45)
        elbow = _polar(*shoulder, size * 0.17, reach + side * r.uniform(0, 35))
        hand = _polar(*elbow, size * 0.17, reach)
        limb(draw, [shoulder, elbow, hand], t * 0.8, arms)
        draw.ellipse([hand[0] - t * 0.5, hand[1] - t * 0.5, hand[0] + t * 0.5, hand[1] + t * 0.5], fill=look.skin)
    for side in (-1, 1):  # legs: knees out, feet on holds
        knee = _polar(x, y, size * 0.24, 270 + side * r.uniform(20, 70))
        foot = _polar(*knee, size * 0.24, 270 + side * r.uniform(-10, 25))
        limb(draw, [(x, y), knee, foot], t, look.trousers)
        draw.ellipse([foot[0] - t * 0.7, foot[1] - t * 0.4, foot[0] + t * 0.7, foot[1] + t * 0.4], fill=look.shoes)
    limb(draw, [(x, y), shoulder], t * 1.7, look.top)  # torso
    draw.rectangle([x - t * 0.9, y - t * 0.3, x + t * 0.9, y + t * 0.3], fill=look.harness)
    head = _polar(*shoulder, size * 0.09, 90 + lean)
    hr = size * 0.065
    draw.ellipse([head[0] - hr, head[1] - hr, head[0] + hr, head[1] + hr], fill=look.skin)
    draw.chord([head[0] - hr * 1.1, head[1] - hr * 1.2, head[0] + hr * 1.1, head[1] + hr * 0.9],
               180, 360, fill=look.helmet)


def rope(draw: ImageDraw.ImageDraw, start, end, r: random.Random, width: float) -> None:
    """A slack rope from ``start`` to ``end``."""
    colour = r.choice([(230, 60, 60), (60, 160, 220), (240, 200, 40), (90, 200, 90), (230, 120, 200)])
    (x0, y0), (x1, y1) = start, end
    sag = r.uniform(-0.15, 0.15) * abs(y1 - y0)
    points = [(x0 + (x1 - x0) * k / 8 + sag * math.sin(math.pi * k / 8), y0 + (y1 - y0) * k / 8)
              for k in range(9)]
    draw.line(points, fill=colour, width=max(1, int(width)), joint="curve")


def from_above(draw: ImageDraw.ImageDraw, x: float, y: float, size: float,
               r: random.Random, look: Outfit | None = None) -> None:
    """Seen from the belay above: helmet at (x, y), body foreshortened below."""
    look = look or outfit(r)
    t = size * 0.1
    hr = size * 0.13
    chest = (x + r.uniform(-0.05, 0.05) * size, y + size * 0.25)
    hips = (chest[0] + r.uniform(-0.05, 0.05) * size, chest[1] + size * 0.22)
    for side in (-1, 1):
        shoulder = (chest[0] + side * size * 0.16, chest[1] - size * 0.05)
        elbow = (shoulder[0] + side * size * r.uniform(0.1, 0.25), shoulder[1] - size * r.uniform(0.05, 0.2))
        hand = (elbow[0] + side * size * r.uniform(-0.05, 0.1), elbow[1] - size * r.uniform(0.12, 0.25))
        limb(draw, [shoulder, elbow, hand], t * 0.9, look.top)
        draw.ellipse([hand[0] - t * 0.55, hand[1] - t * 0.55, hand[0] + t * 0.55, hand[1] + t * 0.55], fill=look.skin)
        knee = (hips[0] + side * size * r.uniform(0.1, 0.2), hips[1] + size * r.uniform(0.08, 0.15))
        foot = (knee[0] + side * size * r.uniform(-0.05, 0.08), knee[1] + size * r.uniform(0.1, 0.16))
        limb(draw, [hips, knee, foot], t * 0.8, look.trousers)
    draw.ellipse([chest[0] - size * 0.2, chest[1] - size * 0.12, chest[0] + size * 0.2, chest[1] + size * 0.14], fill=look.top)
    draw.rectangle([hips[0] - size * 0.14, hips[1] - t * 0.4, hips[0] + size * 0.14, hips[1] + t * 0.4], fill=look.harness)
    draw.ellipse([x - hr, y - hr, x + hr, y + hr], fill=look.helmet)
    draw.arc([x - hr * 0.7, y - hr * 0.7, x + hr * 0.7, y + hr * 0.7], 200, 340, fill=(250, 250, 250), width=max(1, int(t * 0.2)))


def from_below(draw: ImageDraw.ImageDraw, w: int, h: int, r: random.Random,
               look: Outfit | None = None) -> tuple[float, float]:
    """Legs from the bottom edge up to a rear filling the frame; returns the harness point."""
    look = look or outfit(r)
    scale = r.uniform(0.55, 0.95)  # how much of the frame the rear spans
    cx = w * r.uniform(0.35, 0.65)
    cy = h * r.uniform(0.3, 0.5)
    rw, rh = w * 0.22 * scale, h * 0.17 * scale
    t = rw * r.uniform(0.55, 0.8)
    hips = []
    for side in (-1, 1):
        hip = (cx + side * rw * 0.55, cy + rh * 0.4)
        spread = r.uniform(0.15, 0.45) * w
        knee = (hip[0] + side * spread * r.uniform(0.6, 1.0), hip[1] + h * r.uniform(0.05, 0.25))
        foot = (knee[0] + side * r.uniform(-0.1, 0.12) * w, knee[1] + h * r.uniform(-0.25, 0.2))
        if r.random() < 0.5:  # one foot high on the wall, one reaching below the frame
            foot = (foot[0], h * r.uniform(1.0, 1.2)) if side == 1 else foot
        limb(draw, [hip, knee, foot], t, look.trousers)
        sole = t * 0.75
        draw.ellipse([foot[0] - sole, foot[1] - sole * 0.55, foot[0] + sole, foot[1] + sole * 0.55], fill=look.shoes)
        hips.append(hip)
    torso_w = rw * 0.9
    draw.ellipse([cx - torso_w, cy - rh * 2.1, cx + torso_w, cy - rh * 0.2], fill=look.top)
    for side in (-1, 1):  # small arms beyond, reaching to the top edge
        shoulder = (cx + side * torso_w * 0.8, cy - rh * 1.8)
        hand = (shoulder[0] + side * w * r.uniform(0.02, 0.12), shoulder[1] - h * r.uniform(0.08, 0.2))
        limb(draw, [shoulder, hand], t * 0.35, look.top)
    head_r = rw * 0.28
    draw.ellipse([cx - head_r, cy - rh * 2.3 - head_r, cx + head_r, cy - rh * 2.3 + head_r], fill=look.helmet)
    draw.ellipse([cx - rw, cy - rh, cx + rw, cy + rh], fill=look.trousers)  # the rear
    dark = tuple(int(c * 0.6) for c in look.trousers)
    draw.line([(cx, cy - rh * 0.3), (cx, cy + rh * 0.95)], fill=dark, width=max(1, int(rw * 0.04)))
    band = rh * 0.2
    draw.rectangle([cx - rw * 1.02, cy - rh * 0.75 - band, cx + rw * 1.02, cy - rh * 0.75 + band], fill=look.harness)
    for hip, side in zip(hips, (-1, 1)):  # leg loops, towards the inside of each thigh
        x0, x1 = (hip[0] - t * 0.2, hip[0] + t * 0.8) if side < 0 else (hip[0] - t * 0.8, hip[0] + t * 0.2)
        draw.arc([x0, cy + rh * 0.1, x1, cy + rh * 0.9], 0, 360, fill=look.harness,
                 width=max(1, int(band * 0.6)))
    bag = (cx + r.choice([-1, 1]) * rw * 0.4, cy - rh * 0.4)
    draw.ellipse([bag[0] - rw * 0.15, bag[1] - rh * 0.25, bag[0] + rw * 0.15, bag[1] + rh * 0.25],
                 fill=jitter(r.choice(CLOTHES), r))
    return cx, cy
