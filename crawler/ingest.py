"""Ingest: validate and decode an image once, store it, hash it, record it.

One image's bytes go through three steps, split so that the crawler can run
the CPU-heavy middle step in worker processes (or threads) while one thread writes the
catalog:

1. :func:`examine` (pure, thread-safe): check the signature against the
   declared content type, refuse SVG and non-images, guard against
   decompression bombs, decode once (first frame, EXIF orientation, RGB),
   make the model-ready derivative, and compute pHash and sharpness.
2. :func:`store_files`: write the original (content-addressed by SHA-256,
   never a name from the URL) and the derivative into the catalog's store.
3. :func:`record_images`: the catalog rows, one statement per batch. Sightings
   come from the image references (crawler.refs), for duplicates too, so
   provenance is never lost.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import signal
import tempfile
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image, ImageOps

from catalog.keys import new_rows
from catalog.store import (DERIVATIVE_QUALITY, DERIVATIVE_SHORT_SIDE, derivative_path,
                           original_path)
from crawler import signature
from cragcat.errors import DiskFull, ItemRejected
from cragcat.files import as_if_opened

DEFAULT_MAX_PIXELS = 50_000_000  # a 50-megapixel photo is plenty; more smells of a bomb


class ImageRejected(ItemRejected):
    """These bytes are not an image cragcat will keep; ``reason`` is one of
    not-an-image, svg, truncated, corrupt, decompression-bomb, empty."""


@dataclass(frozen=True)
class Examined:
    """What ingest learnt from one image's bytes."""

    sha256: str
    size: int
    format: str
    width: int
    height: int
    mode: str
    phash: int
    sharpness: float
    extension: str
    original: bytes = field(repr=False)
    derivative: bytes = field(repr=False)
    declared_type_agrees: bool = True


@dataclass(frozen=True)
class Outcome:
    """The result of ingesting one item: new, duplicate or failed (with a reason)."""

    status: str
    sha256: str | None = None
    reason: str | None = None
    detail: str | None = None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- 1. examine ---------------------------------------------------------------

def examine(data: bytes, content_type: str | None = None,
            max_pixels: int = DEFAULT_MAX_PIXELS) -> Examined:
    """Validate and decode ``data`` once; raise ImageRejected with a reason."""
    kind = _check_signature(data, content_type)
    _check_complete(data, kind)
    image, (width, height) = _open(data, max_pixels)
    picture = _to_rgb(_oriented(image))
    derivative = _derivative(picture)
    buffer = io.BytesIO()
    derivative.save(buffer, "JPEG", quality=DERIVATIVE_QUALITY)
    return Examined(
        sha256=sha256_of(data), size=len(data), format=image.format or kind,
        width=width, height=height, mode=image.mode,
        phash=phash_int(derivative), sharpness=sharpness(derivative),
        extension=signature.EXTENSIONS.get(image.format or kind, "img"),
        original=data, derivative=buffer.getvalue(),
        declared_type_agrees=content_type is None or signature.agrees(content_type, kind))


def _check_signature(data: bytes, content_type: str | None) -> str:
    kind = signature.sniff(data)
    if kind == "EMPTY":
        raise ImageRejected("empty", "no bytes")
    if kind == "SVG" or signature.declared_kind(content_type) == "SVG":
        raise ImageRejected("svg", "vector images are not photos; SVG is refused")
    if not signature.is_image_kind(kind):
        said = f", served as {content_type}" if content_type else ""
        raise ImageRejected("not-an-image", f"bytes look like {kind}{said}")
    return kind


def _open(data: bytes, max_pixels: int) -> tuple[Image.Image, tuple[int, int]]:
    """Open lazily and check the pixel count before a single pixel is decoded.

    Returns the decoded first frame and the full size after EXIF orientation
    (the JPEG decoder may have been asked to decode at a reduced scale).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("decompression-bomb", str(exc)) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageRejected("corrupt", f"cannot read the image header ({exc})") from None
    width, height = image.size
    if width * height > max_pixels:
        raise ImageRejected("decompression-bomb",
                            f"{width}x{height} is over the {max_pixels:,}-pixel limit")
    # Every 8x8 block of a JPEG costs at least one bit (its DC code, even in a progressive
    # scan): fewer bytes than that is a small JPEG whose header claims a big one, and
    # libjpeg would pad the missing data with grey without a word.
    if image.format == "JPEG" and len(data) * 8 < (width * height) // 64:
        raise ImageRejected("truncated", f"{len(data):,} bytes cannot hold a {width}x{height} "
                                         "JPEG: its data ends early")
    if width == 0 or height == 0:
        raise ImageRejected("corrupt", "zero-sized image")
    _draft_for_derivative(image)
    try:
        image.seek(0)  # the first frame of an animation
        image.load()
    except OSError as exc:
        reason = "truncated" if "truncated" in str(exc).lower() else "corrupt"
        raise ImageRejected(reason, str(exc)) from None
    except (ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRejected("corrupt", str(exc)) from None
    # Only after load(): reading a PNG's EXIF loads (and would hide a decode error).
    shown = (height, width) if _turns_sideways(image) else (width, height)
    return image, shown


def _turns_sideways(image: Image.Image) -> bool:
    """EXIF orientations 5-8 swap width and height."""
    try:
        return image.getexif().get(0x0112) in (5, 6, 7, 8)
    except (OSError, ValueError, SyntaxError):
        return False


def _draft_for_derivative(image: Image.Image) -> None:
    """Let the JPEG decoder scale down while decoding: same derivative, far less work."""
    if image.format != "JPEG":
        return
    scale = DERIVATIVE_SHORT_SIDE / min(image.size)
    if scale < 0.5:
        image.draft("RGB" if image.mode != "CMYK" else "CMYK",
                    (int(image.width * scale) + 1, int(image.height * scale) + 1))


@contextmanager
def _time_limit(seconds: float):
    """Raise ImageRejected('too-slow') in this thread after ``seconds`` of wall time.
    Pillow decodes chunk by chunk in Python, so the timer's signal lands between chunks."""
    usable = seconds > 0 and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def stop(signum, frame):
        raise ImageRejected("too-slow", f"decoding took over {seconds:g} s "
                                        "(crawl.image_seconds)")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _check_complete(data: bytes, kind: str) -> None:
    """A cut-off download lacks the format's end marker (Pillow may decode it silently)."""
    tail = data[-64:].rstrip(b"\x00")
    if kind == "JPEG" and b"\xff\xd9" not in tail:
        raise ImageRejected("truncated", "the JPEG end-of-image marker is missing")
    if kind == "PNG" and b"IEND" not in tail:
        raise ImageRejected("truncated", "the PNG IEND chunk is missing")


def _oriented(image: Image.Image) -> Image.Image:
    try:
        ImageOps.exif_transpose(image, in_place=True)  # no copy of an upright photo
        return image
    except (OSError, ValueError, TypeError, KeyError, SyntaxError):
        return image  # broken EXIF: keep the pixels as stored rather than losing the photo


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB on white for anything with transparency; plain conversion otherwise."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = _scaled_to_8bit(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image if image.mode == "RGB" else image.convert("RGB")


def _scaled_to_8bit(image: Image.Image) -> Image.Image:
    # shrink first, in the image's own 16/32-bit mode: the float copies below are then
    # of a derivative-sized image, not of 49 megapixels (952 MB for a 111 KB PNG)
    small = derivative_size(image.width, image.height)
    if small != image.size:
        image = image.resize(small, Image.BILINEAR)
    pixels = np.asarray(image, dtype=np.float64)
    low, high = float(pixels.min()), float(pixels.max())
    scaled = (pixels - low) * (255.0 / (high - low) if high > low else 0.0)
    return Image.fromarray(scaled.astype(np.uint8), "L")


def derivative_size(width: int, height: int) -> tuple[int, int]:
    """Shorter side DERIVATIVE_SHORT_SIDE, never upscaled."""
    scale = DERIVATIVE_SHORT_SIDE / min(width, height)
    if scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def _derivative(picture: Image.Image) -> Image.Image:
    size = derivative_size(picture.width, picture.height)
    if size == picture.size:
        return picture
    # Antialiased bilinear, as torchvision resizes: a third of Lanczos's work, and a
    # whole-factor box reduction first for big PNG and WebP originals (JPEG's draft
    # decoding has already done that for JPEGs)
    return picture.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def phash_int(picture: Image.Image) -> int:
    """imagehash's 64-bit pHash as an unsigned integer (hex digits read big-endian)."""
    return int(str(imagehash.phash(picture)), 16)


def sharpness(picture: Image.Image) -> float:
    """Variance of the 4-neighbour Laplacian of the greyscale image."""
    # integer arithmetic is exact here and a good deal faster than float64
    grey = np.asarray(picture.convert("L"), dtype=np.int32)
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    lap = (grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:]
           - 4 * grey[1:-1, 1:-1])
    return float(lap.var(dtype=np.float64))


# -- 2. store -------------------------------------------------------------------

def store_files(store_dir: Path, examined: Examined) -> tuple[str, str]:
    """Write both files (atomically, idempotently); return their relative paths."""
    original = original_path(examined.sha256, examined.extension)
    derivative = derivative_path(examined.sha256)
    _write_once(Path(store_dir) / original, examined.original)
    _write_once(Path(store_dir) / derivative, examined.derivative)
    return original, derivative


def _write_once(path: Path, data: bytes) -> None:
    if path.is_file() and path.stat().st_size == len(data):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    except OSError as exc:
        _raise_if_full(exc, path.parent)
        raise
    try:
        as_if_opened(fd)  # readable as any file the user writes (a web server serves it)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        _raise_if_full(exc, path.parent)
        raise


def _raise_if_full(exc: BaseException, folder: Path) -> None:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        raise DiskFull(f"the image store ({folder})") from None


def examine_and_store(data: bytes, content_type: str | None, max_pixels: int,
                      store_dir: str, seconds: float = 0.0) -> tuple[Examined, tuple[str, str]]:
    """Steps 1 and 2 in one call (for a worker process): the result comes back
    without the image bytes, which are already in the store. ``seconds`` bounds the
    examination (in a process's main thread only, where a timer signal can stop it)."""
    with _time_limit(seconds):
        examined = examine(data, content_type, max_pixels)
    paths = store_files(Path(store_dir), examined)
    return replace(examined, original=b"", derivative=b""), paths


# -- 3. record ------------------------------------------------------------------

INSERT_IMAGE_ROWS = """
    INSERT INTO images (sha256, bytes, format, width, height, mode, phash, cluster_id,
                        is_canonical, original_path, derivative_path, sharpness)
    SELECT sha256, bytes, format, width, height, mode, phash, sha256, TRUE,
           original_path, derivative_path, sharpness FROM
      (SELECT unnest(?) AS sha256, unnest(?::BIGINT[]) AS bytes, unnest(?) AS format,
              unnest(?::INTEGER[]) AS width, unnest(?::INTEGER[]) AS height,
              unnest(?) AS mode, unnest(?::UBIGINT[]) AS phash,
              unnest(?) AS original_path, unnest(?) AS derivative_path,
              unnest(?::DOUBLE[]) AS sharpness)
    RETURNING sha256"""


def image_row_columns(rows: list[tuple[Examined, tuple[str, str]]]) -> list[tuple]:
    """One tuple per image row, in INSERT_IMAGE_ROWS's column order."""
    return [(e.sha256, e.size, e.format, e.width, e.height, e.mode, e.phash, p[0], p[1],
             e.sharpness) for e, p in rows]


def record_images(tx, rows: list[tuple[Examined, tuple[str, str]]]) -> set[str]:
    """Insert the rows of images not in the catalog yet, in one statement; return their
    SHA-256s (the new ones)."""
    columns = new_rows(tx, "images", "sha256", image_row_columns(rows))
    if not columns:
        return set()
    inserted = tx.execute(INSERT_IMAGE_ROWS, [list(c) for c in zip(*columns)]).fetchall()
    return {row[0] for row in inserted}
