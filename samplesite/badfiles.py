"""Files a crawler must refuse without losing its run: each is served from the
media folder like a photo and linked from a gallery like one."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

BOMB_SIDE = 40_000  # the decompression bomb declares 40,000 x 40,000 pixels


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def decompression_bomb() -> bytes:
    """A few KB of PNG whose header declares 40,000 x 40,000 RGB pixels."""
    header = struct.pack(">IIBBBBB", BOMB_SIDE, BOMB_SIDE, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + BOMB_SIDE * 3) * 16, 9)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", rows)
            + png_chunk(b"IEND", b""))


def animated_gif(r: random.Random) -> bytes:
    """Three frames of a dot climbing a line: an animation, not a photo."""
    frames = []
    for k in range(3):
        frame = Image.new("P", (240, 240), 0)
        frame.putpalette([250, 250, 250, 200, 40, 40, 30, 30, 30] + [0] * 759)
        draw = ImageDraw.Draw(frame)
        draw.line([(120, 230), (120, 10)], fill=2, width=3)
        y = 200 - k * 70 - r.randint(0, 10)
        draw.ellipse([108, y - 12, 132, y + 12], fill=1)
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=300, loop=0)
    return out.getvalue()


SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600" viewBox="0 0 800 600">
  <rect width="800" height="600" fill="#eee"/>
  <path d="M100 550 L180 300 L260 120" stroke="#d22" stroke-width="8" fill="none"/>
  <circle cx="100" cy="560" r="18" fill="#fff" stroke="#000"/>
  <text x="94" y="566" font-size="18">1</text>
</svg>
"""

ACCESS_DENIED = """<!DOCTYPE html>
<html><head><title>Access denied</title></head>
<body><h1>Access denied</h1><p>Hotlinking of images is not allowed.</p></body></html>
"""


def write_bad_files(www: Path, sample_jpeg: bytes, r: random.Random) -> list[dict]:
    """Write every bad file under ``www``; return their manifest entries."""
    files = [
        ("media/bad/truncated.jpeg", "truncated_jpeg", sample_jpeg[: len(sample_jpeg) * 3 // 5],
         "a JPEG cut off after 60% of its bytes: the header decodes, the picture does not"),
        ("media/bad/access-denied.jpeg", "html_served_as_image", ACCESS_DENIED.encode(),
         "an HTML page served with Content-Type image/jpeg"),
        ("media/bad/huge.png", "decompression_bomb", decompression_bomb(),
         f"a small PNG whose header declares {BOMB_SIDE} x {BOMB_SIDE} pixels"),
        ("media/bad/empty.jpeg", "zero_bytes", b"", "a zero-byte file"),
        ("media/bad/crag-map.svg", "svg", SVG.encode(), "an SVG drawing, not a raster photo"),
        ("media/bad/send.gif", "animated_gif", animated_gif(r), "an animated GIF (3 frames)"),
    ]
    entries = []
    for rel, problem, data, what in files:
        target = www / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        entries.append({"path": "/" + rel, "problem": problem, "what": what, "bytes": len(data)})
    return entries
