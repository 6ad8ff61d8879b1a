"""Backgrounds every photo class shares: sky, rock, distant landscape, light.

The classes reuse the same palettes on purpose (a butt-shot and a glory-shot
share skies and clothing; a topo and a glory-shot share rock), so that a
classifier has to learn where things are and what shape they have, not which
colours appear. Everything is drawn from one ``random.Random`` so a photo is a
pure function of its seed.
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

SKIES = [  # (top, horizon): clear, hazy, dawn, dusk, overcast, storm
    ((40, 100, 200), (150, 200, 240)),
    ((90, 140, 210), (210, 225, 235)),
    ((70, 90, 160), (245, 180, 130)),
    ((50, 40, 100), (240, 140, 90)),
    ((150, 155, 165), (205, 208, 212)),
    ((70, 80, 95), (140, 145, 150)),
]
ROCKS = [  # granite, limestone, sandstone, basalt, gritstone, red granite
    (150, 148, 142), (205, 196, 178), (190, 120, 75), (75, 75, 80),
    (120, 105, 85), (170, 110, 100),
]
CLOTHES = [(220, 40, 40), (30, 90, 200), (250, 200, 30), (40, 150, 60), (20, 20, 25),
           (240, 240, 235), (240, 120, 20), (140, 60, 170), (0, 160, 170), (110, 80, 50)]
SKIN = [(245, 205, 175), (225, 170, 130), (180, 120, 80), (120, 80, 55), (90, 60, 40)]
GROUND = [(80, 120, 60), (110, 140, 70), (140, 120, 80), (60, 90, 70), (170, 160, 120)]


def np_rng(r: random.Random) -> np.random.Generator:
    return np.random.default_rng(r.getrandbits(64))


def jitter(colour, r: random.Random, amount: int = 20):
    return tuple(max(0, min(255, c + r.randint(-amount, amount))) for c in colour)


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font: the same glyphs on every machine."""
    return ImageFont.load_default(size=max(8, size))


def smooth_noise(r: random.Random, w: int, h: int, cells: int) -> np.ndarray:
    """Noise in 0..1 with features about w/cells wide (low-res noise, upscaled)."""
    cw, ch = max(2, cells), max(2, int(cells * h / max(w, 1)) + 1)
    small = np_rng(r).random((ch, cw), dtype=np.float32)
    img = Image.fromarray((small * 255).astype(np.uint8), "L").resize((w, h), Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def gradient(w: int, h: int, top, bottom) -> Image.Image:
    """A vertical colour gradient."""
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    rows = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
    return Image.fromarray(np.repeat(rows, w, axis=1).astype(np.uint8), "RGB")


def sky(w: int, h: int, r: random.Random) -> Image.Image:
    top, horizon = r.choice(SKIES)
    img = gradient(w, h, jitter(top, r), jitter(horizon, r))
    if r.random() < 0.6:
        clouds(img, r)
    return img


def clouds(img: Image.Image, r: random.Random) -> None:
    """Soft clouds, drawn and blurred at a quarter of the size (blur is costly)."""
    w, h = img.size
    sw, sh = max(8, w // 4), max(8, h // 4)
    layer = Image.new("L", (sw, sh), 0)
    draw = ImageDraw.Draw(layer)
    for _ in range(r.randint(2, 7)):
        cx, cy = r.uniform(0, sw), r.uniform(0, sh * 0.7)
        for _ in range(r.randint(3, 6)):
            rx, ry = r.uniform(0.04, 0.12) * sw, r.uniform(0.02, 0.06) * sh
            ox, oy = r.uniform(-rx, rx), r.uniform(-ry, ry) / 2
            draw.ellipse([cx + ox - rx, cy + oy - ry, cx + ox + rx, cy + oy + ry], fill=r.randint(120, 220))
    layer = layer.filter(ImageFilter.GaussianBlur(max(1, sw // 80))).resize((w, h), Image.BILINEAR)
    img.paste(Image.new("RGB", img.size, (250, 250, 250)), (0, 0), layer)


def rock(w: int, h: int, r: random.Random, base=None) -> Image.Image:
    """Rock texture: coarse and fine noise, strata and dark cracks."""
    base = np.asarray(jitter(base or r.choice(ROCKS), r, 25), np.float32)
    coarse = smooth_noise(r, w, h, r.randint(4, 10))
    fine = smooth_noise(r, w, h, r.randint(40, 90))
    shade = 0.55 + 0.5 * coarse + 0.25 * (fine - 0.5)
    pixels = np.clip(base[None, None, :] * shade[:, :, None], 0, 255).astype(np.uint8)
    img = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(img)
    dark = tuple(int(c * 0.45) for c in base)
    if r.random() < 0.5:  # bedding planes
        for _ in range(r.randint(2, 6)):
            y = r.uniform(0, h)
            draw.line([(0, y), (w, y + r.uniform(-0.15, 0.15) * h)], fill=dark, width=max(1, w // 400))
    for _ in range(r.randint(3, 9)):  # cracks
        x, y = r.uniform(0, w), r.uniform(0, h)
        points = [(x, y)]
        for _ in range(r.randint(3, 8)):
            x += r.uniform(-0.05, 0.05) * w
            y += r.uniform(0.03, 0.12) * h
            points.append((x, y))
        draw.line(points, fill=dark, width=max(1, w // r.randint(250, 600)))
    return img


def mountains(img: Image.Image, r: random.Random, horizon: float) -> None:
    """Distant ridges, hazier the further away, down to the horizon line."""
    w, h = img.size
    draw = ImageDraw.Draw(img)
    for layer in range(r.randint(1, 3)):
        haze = 0.5 - 0.15 * layer
        colour = tuple(int(90 * (1 - haze) + 190 * haze + r.randint(-15, 15)) for _ in range(3))
        base_y = horizon * h + layer * 0.04 * h
        points, x = [(0, h)], 0.0
        while x < w:
            points.append((x, base_y - r.uniform(0.05, 0.3) * h * (1 - 0.3 * layer)))
            x += r.uniform(0.05, 0.2) * w
        points += [(w, base_y - r.uniform(0.02, 0.2) * h), (w, h)]
        draw.polygon(points, fill=colour)


def valley(img: Image.Image, r: random.Random, horizon: float) -> None:
    """Ground below the horizon with blobs of trees."""
    w, h = img.size
    draw = ImageDraw.Draw(img)
    ground = jitter(r.choice(GROUND), r)
    draw.rectangle([0, horizon * h, w, h], fill=ground)
    dark = tuple(int(c * 0.6) for c in ground)
    for _ in range(r.randint(10, 40)):
        x, y = r.uniform(0, w), r.uniform(horizon * h, h)
        s = (y - horizon * h) / max(h * (1 - horizon), 1) * 0.04 * w + 2
        draw.ellipse([x - s, y - s, x + s, y + s], fill=dark)


def light(img: Image.Image, r: random.Random) -> Image.Image:
    """Exposure, contrast, colour cast and softness of a real camera."""
    img = ImageEnhance.Brightness(img).enhance(r.uniform(0.65, 1.3))
    img = ImageEnhance.Contrast(img).enhance(r.uniform(0.7, 1.3))
    img = ImageEnhance.Color(img).enhance(r.uniform(0.5, 1.4))
    if r.random() < 0.3:
        cast = Image.new("RGB", img.size, r.choice([(255, 170, 90), (90, 140, 255), (255, 230, 150)]))
        img = Image.blend(img, cast, r.uniform(0.05, 0.2))
    if r.random() < 0.3:
        img = img.filter(ImageFilter.BoxBlur(r.uniform(0.5, 1.8)))
    return img


def paper(w: int, h: int, r: random.Random) -> Image.Image:
    """White or cream paper with faint fibre noise, for hand-drawn topos."""
    tone = r.choice([(252, 252, 250), (245, 240, 225), (250, 248, 240), (238, 238, 238)])
    fibre = 0.94 + 0.06 * smooth_noise(r, w, h, 120)
    pixels = np.clip(np.asarray(tone, np.float32)[None, None, :] * fibre[:, :, None], 0, 255)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")
