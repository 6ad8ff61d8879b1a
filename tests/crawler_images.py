"""Real image files for crawler tests, made with Pillow from a fixed seed."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def photo(width: int = 320, height: int = 240, seed: int = 0) -> Image.Image:
    """A smooth, photo-like RGB picture (gradients plus blobs), different per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    channels = []
    for _ in range(3):
        field = rng.uniform(0, 80) + rng.uniform(40, 120) * x + rng.uniform(40, 120) * y
        for _ in range(6):
            cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.05, 0.3)
            field += rng.uniform(-90, 90) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / r ** 2)
        channels.append(field)
    pixels = np.clip(np.stack(channels, axis=-1), 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def encode(image: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg(seed: int = 0, width: int = 320, height: int = 240, **params) -> bytes:
    return encode(photo(width, height, seed), "JPEG", quality=90, **params)


def rotated_jpeg(seed: int = 0) -> bytes:
    """Stored 320x240, EXIF orientation 6 (rotate 90 clockwise): shown 240x320."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(photo(320, 240, seed), "JPEG", quality=90, exif=exif)


def animated_gif(seed: int = 0) -> bytes:
    frames = [photo(120, 90, seed + i).convert("P") for i in range(3)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height``: a decompression bomb's calling card."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def corrupt_png(seed: int = 0) -> bytes:
    """A PNG with its header and end intact and its pixel data scrambled."""
    data = bytearray(encode(photo(64, 64, seed), "PNG"))
    start = data.index(b"IDAT") + 40
    data[start:start + 200] = bytes(200)
    return bytes(data)


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
       b'height="10"><rect width="10" height="10"/></svg>')
HTML = b"<!DOCTYPE html><html><body>Not found</body></html>"
