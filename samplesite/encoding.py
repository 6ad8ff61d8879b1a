"""Turn a painted photo into file bytes the way cameras and sites do, and make
the near-duplicate variants a deduplicator has to recognise.

A photo's ``orientation`` is its EXIF Orientation tag: the stored pixels are
turned so that a viewer applying the tag (PIL.ImageOps.exif_transpose) sees
the painted, upright picture. Manifest sizes are always of the upright
picture.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from samplesite.scenery import font

# exif_transpose applies the inverse of these to get back upright pixels.
_STORE_TURN = {1: None, 3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
               8: Image.Transpose.ROTATE_270}
EXTENSIONS = {"jpeg": "jpeg", "png": "png", "webp": "webp"}
NEAR_KINDS = ("reencoded", "resized", "cropped", "watermarked")


@dataclass(frozen=True)
class Encoding:
    """How one file stores its picture."""

    format: str = "jpeg"  # jpeg, png, webp
    mode: str = "RGB"  # RGB, L (greyscale), CMYK (jpeg only)
    orientation: int = 1  # EXIF orientation tag; 1 = none written
    quality: int = 88


def encode(img: Image.Image, enc: Encoding) -> bytes:
    """The file's bytes; deterministic for the same picture and encoding."""
    stored = img.convert(enc.mode) if enc.mode != img.mode else img
    turn = _STORE_TURN[enc.orientation]
    if turn is not None:
        stored = stored.transpose(turn)
    out = io.BytesIO()
    if enc.format == "jpeg":
        extra = {}
        if enc.orientation != 1:
            exif = Image.Exif()
            exif[0x0112] = enc.orientation
            extra["exif"] = exif.tobytes()
        stored.save(out, "JPEG", quality=enc.quality, **extra)
    elif enc.format == "png":
        stored.save(out, "PNG", compress_level=1)  # noisy photos: level 6 is 10x slower
    elif enc.format == "webp":
        stored.save(out, "WEBP", quality=enc.quality, method=2)
    else:
        raise ValueError(f"unknown photo format {enc.format!r}")
    return out.getvalue()


def pick_encoding(r: random.Random) -> Encoding:
    """Mostly JPEG; some PNG and WebP; some greyscale, CMYK or EXIF-rotated."""
    fmt = r.choices(["jpeg", "png", "webp"], [0.8, 0.1, 0.1])[0]
    mode = "RGB"
    roll = r.random()
    if roll < 0.05:
        mode = "L"
    elif roll < 0.09 and fmt == "jpeg":
        mode = "CMYK"
    orientation = r.choice([3, 6, 8]) if fmt == "jpeg" and r.random() < 0.1 else 1
    return Encoding(fmt, mode, orientation, r.randint(78, 94))


def pick_size(r: random.Random, portrait_share: float = 0.2) -> tuple[int, int]:
    """Upright width x height: long side mostly 800-1200 px, rarely up to 4000."""
    long = r.choices([(800, 1200), (1200, 2000), (2000, 4000)], [0.8, 0.15, 0.05])[0]
    side = r.randint(*long)
    ratio = r.choice([4 / 3, 3 / 2, 16 / 9, 1.0, 5 / 4])
    short = round(side / ratio)
    return (short, side) if r.random() < portrait_share else (side, short)


def variant(img: Image.Image, kind: str, r: random.Random, credit: str) -> tuple[Image.Image, Encoding]:
    """A near duplicate of ``img``: another encoding, size, crop or a watermark."""
    w, h = img.size
    if kind == "reencoded":
        return img, Encoding("jpeg", "RGB", 1, r.choice([45, 55, 65]))
    if kind == "resized":
        k = r.uniform(0.5, 0.75)
        return img.resize((max(64, round(w * k)), max(64, round(h * k))), Image.LANCZOS), Encoding(quality=85)
    if kind == "cropped":
        dx, dy = round(w * r.uniform(0.01, 0.03)), round(h * r.uniform(0.01, 0.03))
        return img.crop((dx, dy, w - dx, h - dy)), Encoding(quality=88)
    if kind == "watermarked":
        return watermark(img, credit, r), Encoding(quality=88)
    raise ValueError(f"unknown variant kind {kind!r}")


def watermark(img: Image.Image, credit: str, r: random.Random) -> Image.Image:
    """A photographer's mark in a corner, half transparent, as sites stamp them."""
    marked = img.convert("RGBA")
    layer = Image.new("RGBA", marked.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = max(12, marked.height // 28)
    text = f"\u00a9 {credit}"
    x = marked.width * r.choice([0.03, 0.55])
    y = marked.height - size * 2.2
    draw.rectangle([x - size * 0.3, y - size * 0.3, x + size * 0.62 * len(text), y + size * 1.3],
                   fill=(0, 0, 0, 90))
    draw.text((x, y), text, fill=(255, 255, 255, 200), font=font(size))
    return Image.alpha_composite(marked, layer).convert("RGB")
