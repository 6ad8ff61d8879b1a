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
FOLIAGE = [(50, 80, 40), (80, 110, 55), (40, 65, 45), (100, 120, 60), (70, 90, 50)]
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


def fractal_noise(r: random.Random, w: int, h: int, cells=(4, 16, 64, 180),
                  falloff: float = 0.55) -> np.ndarray:
    """Noise at several scales, each finer one weaker: the grain of a real surface, 0..1.

    The octaves are summed at twice the finest octave's size and scaled up once
    (bilinear: at that size it is as smooth as bicubic and a good deal cheaper)."""
    finest = max(cells)
    sw, sh = min(w, finest * 2), min(h, max(2, int(finest * 2 * h / max(w, 1))))
    total, weight, amp = np.zeros((sh, sw), np.float32), 0.0, 1.0
    for n in cells:
        total += amp * smooth_noise(r, sw, sh, n)
        weight += amp
        amp *= falloff
    img = Image.fromarray((total * (255 / weight)).astype(np.uint8), "L")
    return np.asarray(img.resize((w, h), Image.BILINEAR), dtype=np.float32) / 255.0


def streaks(r: random.Random, w: int, h: int) -> np.ndarray:
    """Vertical water streaks: noise long in y, narrow in x, 0..1."""
    small = np_rng(r).random((3, r.randint(20, 60)), dtype=np.float32)
    img = Image.fromarray((small * 255).astype(np.uint8), "L").resize((w, h), Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def rock(w: int, h: int, r: random.Random, base=None) -> Image.Image:
    """Rock texture: grain at several scales, a second mineral tint, bedding bands,
    water streaks and dark cracks."""
    base = np.asarray(jitter(base or r.choice(ROCKS), r, 25), np.float32)
    tint = np.asarray(jitter(r.choice(ROCKS), r, 25), np.float32)
    grain = fractal_noise(r, w, h, (r.randint(3, 8), r.randint(15, 30), r.randint(50, 90), 150))
    mix = np.clip((smooth_noise(r, w, h, r.randint(3, 8)) - 0.35) * 2.0, 0, 1) * r.uniform(0.2, 0.7)
    shade = 0.45 + 1.1 * (grain - 0.5) * r.uniform(0.8, 1.6) + 0.55
    if r.random() < 0.6:  # sandstone and limestone bedding, worked out at half size
        bw, bh = max(2, w // 2), max(2, h // 2)
        rows = np.arange(bh, dtype=np.float32)[:, None] * (h / bh)
        period = h * r.uniform(0.04, 0.15)
        wobble = smooth_noise(r, bw, bh, 6) * period * 2
        band = 1 - r.uniform(0.03, 0.1) * np.sin((rows + wobble) / period * 2 * np.pi)
        shade = shade * np.asarray(Image.fromarray(band.astype(np.float32), "F")
                                   .resize((w, h), Image.BILINEAR))
    if r.random() < 0.5:
        shade = shade * (1 - r.uniform(0.1, 0.35) * streaks(r, w, h))
    tinted = shade * mix  # base and tint weighted by shade: two planes, not a colour image
    pixels = (shade - tinted)[:, :, None] * base + tinted[:, :, None] * tint
    img = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    cracks(img, r, tuple(int(c * 0.4) for c in base))
    return img


def cracks(img: Image.Image, r: random.Random, dark) -> None:
    w, h = img.size
    draw = ImageDraw.Draw(img)
    for _ in range(r.randint(3, 9)):
        x, y = r.uniform(0, w), r.uniform(0, h)
        points = [(x, y)]
        for _ in range(r.randint(3, 8)):
            x += r.uniform(-0.05, 0.05) * w
            y += r.uniform(0.03, 0.12) * h
            points.append((x, y))
        draw.line(points, fill=dark, width=max(1, w // r.randint(150, 600)))


def foliage(w: int, h: int, r: random.Random) -> tuple[Image.Image, np.ndarray]:
    """Leaves of trees and bushes: a textured green picture and its cover (0..1)."""
    green = np.asarray(jitter(r.choice(FOLIAGE), r, 20), np.float32)
    texture = fractal_noise(r, w, h, (8, 40, 110))
    pixels = np.clip(green * (0.45 + 1.1 * texture)[:, :, None], 0, 255).astype(np.uint8)
    cover = fractal_noise(r, w, h, (r.randint(3, 8), 30, 120))
    return Image.fromarray(pixels, "RGB"), cover


def crag_scene(w: int, h: int, r: random.Random) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """A photographed crag or boulder: sky and trees above, a shaded face, ground below.

    Returns the picture and the face's box (left, top, right, foot) for what is
    drawn on it: route lines, a climber. Half are a boulder standing whole in
    the frame, half a crag running out of it.
    """
    boulder = r.random() < 0.5
    if boulder:
        top, foot = h * r.uniform(0.1, 0.45), h * r.uniform(0.75, 1.0)
        left, right = w * r.uniform(0.0, 0.3), w * r.uniform(0.7, 1.0)
    else:
        top, foot = h * r.uniform(0.0, 0.35), h * r.uniform(0.7, 1.0)
        left, right = w * r.uniform(-0.2, 0.15), w * r.uniform(0.85, 1.2)
    img = sky(w, h, r)
    leaves, cover = foliage(w, h, r)
    rows = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    canopy = (cover + (0.35 - rows) * r.uniform(0.5, 2.0) + r.uniform(-0.1, 0.25)) > 0.55
    img.paste(leaves, (0, 0), Image.fromarray((canopy * 255).astype(np.uint8), "L"))
    ground(img, r, foot)
    face = shaded(rock(w, h, r), r)
    img.paste(face, (0, 0), crag_mask(w, h, r, (left, top, right, foot), boulder))
    if r.random() < 0.4:
        trunks(img, r)
    return img, (max(left, 0), top, min(right, w), foot)


def crag_mask(w: int, h: int, r: random.Random, box, boulder: bool) -> Image.Image:
    """The outline: a rough skyline (domed for a boulder), a foot, the sides."""
    left, top, right, foot = box
    mask = Image.new("L", (w, h), 0)
    skyline, x = [], left
    while x < right:
        t = (x - left) / max(right - left, 1)
        dome = (1 - np.sin(np.pi * t)) * (foot - top) * 0.5 if boulder else 0.0
        skyline.append((x, top + dome + r.uniform(-0.04, 0.06) * h))
        x += w * r.uniform(0.04, 0.15)
    skyline.append((right, top + (foot - top) * (0.5 if boulder else 0.0) + r.uniform(0, 0.1) * h))
    base = [(right, foot + r.uniform(-0.04, 0.02) * h), (left, foot + r.uniform(-0.04, 0.02) * h)]
    ImageDraw.Draw(mask).polygon(skyline + base, fill=255)
    return mask.filter(ImageFilter.GaussianBlur(1))


def crash_pads(img: Image.Image, r: random.Random, foot: float) -> None:
    """Bouldering mats on the ground at the foot of the face."""
    w, h = img.size
    draw = ImageDraw.Draw(img)
    for _ in range(r.randint(1, 3)):
        x, pw = r.uniform(0, w), w * r.uniform(0.12, 0.3)
        y, ph = min(foot, h * 0.95), h * r.uniform(0.04, 0.1)
        colour = jitter(r.choice([(40, 40, 45), (30, 90, 170), (200, 60, 40), (60, 120, 60)]), r)
        draw.polygon([(x, y), (x + pw, y), (x + pw * 1.1, y + ph), (x - pw * 0.1, y + ph)], fill=colour)


def shaded(face: Image.Image, r: random.Random) -> Image.Image:
    """Light from one side, a shadowed overhang band, darker lower down."""
    w, h = face.size
    a = r.uniform(0, 2 * np.pi)
    xs = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    ys = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    light_map = 1 + r.uniform(0.1, 0.35) * (np.cos(a) * xs + np.sin(a) * ys)
    if r.random() < 0.6:  # an overhang or roof throws a band of shadow
        y0 = r.uniform(0.3, 0.9)
        band = np.exp(-((ys - (2 * y0 - 1)) / r.uniform(0.05, 0.25)) ** 2)
        light_map = light_map * (1 - r.uniform(0.3, 0.6) * band)
    pixels = np.asarray(face, np.float32) * light_map[:, :, None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def ground(img: Image.Image, r: random.Random, foot: float) -> None:
    """Leaf litter, dirt or grass from the crag's foot down, with bushes."""
    w, h = img.size
    y0 = int(min(foot, h - 1) - 0.05 * h)
    gh = h - max(y0, 0)
    if gh <= 0:
        return
    soil = ground_colour(r)
    texture = fractal_noise(r, w, gh, (6, 40, 110))
    pixels = np.clip(soil * (0.5 + texture)[:, :, None], 0, 255).astype(np.uint8)
    img.paste(Image.fromarray(pixels, "RGB"), (0, max(y0, 0)))
    leaves, cover = foliage(w, gh, r)
    bushes = (cover > r.uniform(0.55, 0.75)).astype(np.uint8) * 255
    img.paste(leaves, (0, max(y0, 0)), Image.fromarray(bushes, "L"))


def ground_colour(r: random.Random) -> np.ndarray:
    return np.asarray(jitter(r.choice(GROUND + [(120, 95, 70), (150, 130, 100)]), r), np.float32)


def trunks(img: Image.Image, r: random.Random) -> None:
    """A tree trunk or two standing in front of the crag."""
    w, h = img.size
    draw = ImageDraw.Draw(img)
    for _ in range(r.randint(1, 3)):
        x, width = r.uniform(0, w), w * r.uniform(0.01, 0.04)
        bark = jitter(r.choice([(90, 80, 70), (150, 140, 125), (60, 50, 40)]), r)
        lean = r.uniform(-0.08, 0.08) * w
        draw.polygon([(x - width, h), (x + width, h), (x + lean + width * 0.6, 0),
                      (x + lean - width * 0.6, 0)], fill=bark)


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
    y0 = min(int(horizon * h), h - 1)
    texture = fractal_noise(r, w, h - y0, (6, 40, 110))
    pixels = np.asarray(ground, np.float32) * (0.5 + texture)[:, :, None]
    img.paste(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB"), (0, y0))
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
    if r.random() < 0.5:  # a box blur: as soft as a Gaussian at this radius, a third of the cost
        img = img.filter(ImageFilter.BoxBlur(r.uniform(0.5, 1.6)))
    return img


def sensor(img: Image.Image, r: random.Random) -> Image.Image:
    """Vignetting and sensor noise, the grain of many photos (noise on half of them:
    noisy pixels cost a good deal more to encode, and the 256 px derivative averages
    most of it away)."""
    w, h = img.size
    vignette, grain = r.random() < 0.5, r.random() < 0.5
    if not (vignette or grain):
        return img
    pixels = np.asarray(img, np.float32)
    if vignette:
        xs = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
        ys = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
        pixels = pixels * (1 - r.uniform(0.1, 0.35) * (xs ** 2 + ys ** 2) / 2)[:, :, None]
    if not grain:
        return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    amount = r.randint(2, 9)  # the sum of two uniform draws: a cheap bell-shaped grain
    rng = np_rng(r)
    noise = (rng.integers(-amount, amount + 1, (h, w, 1), dtype=np.int16)
             + rng.integers(-amount, amount + 1, (h, w, 1), dtype=np.int16))
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8), "RGB")


def paper(w: int, h: int, r: random.Random) -> Image.Image:
    """White or cream paper with faint fibre noise, for hand-drawn topos."""
    tone = r.choice([(252, 252, 250), (245, 240, 225), (250, 248, 240), (238, 238, 238)])
    fibre = 0.94 + 0.06 * smooth_noise(r, w, h, 120)
    pixels = np.clip(np.asarray(tone, np.float32)[None, None, :] * fibre[:, :, None], 0, 255)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")
