"""What the first bytes of a response say it is, whatever the server claimed.

Servers mislabel files: an error page sent as ``image/jpeg``, a JPEG sent as
``application/octet-stream``. Ingest trusts the bytes, and uses the declared
content type only to notice the disagreement.
"""

from __future__ import annotations

# (prefix test, kind). Kinds are Pillow format names for images.
_IMAGE_MAGIC = (
    (lambda b: b[:3] == b"\xff\xd8\xff", "JPEG"),
    (lambda b: b[:8] == b"\x89PNG\r\n\x1a\n", "PNG"),
    (lambda b: b[:6] in (b"GIF87a", b"GIF89a"), "GIF"),
    (lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP", "WEBP"),
    (lambda b: b[:2] == b"BM", "BMP"),
    (lambda b: b[:4] in (b"II*\x00", b"MM\x00*"), "TIFF"),
)

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp",
              "BMP": "bmp", "TIFF": "tif"}

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif",
               "WEBP": "image/webp", "BMP": "image/bmp", "TIFF": "image/tiff"}


def sniff(data: bytes) -> str:
    """The kind of ``data``: an image format name, 'SVG', 'HTML', 'EMPTY' or 'UNKNOWN'."""
    if not data:
        return "EMPTY"
    for test, kind in _IMAGE_MAGIC:
        if test(data):
            return kind
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in head or (head.startswith(b"<?xml") and b"svg" in head):
        return "SVG"
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")):
        return "HTML"
    return "UNKNOWN"


def is_image_kind(kind: str) -> bool:
    return kind in EXTENSIONS


def declared_kind(content_type: str | None) -> str | None:
    """The image format a Content-Type header names, 'SVG', or None for anything else."""
    if not content_type:
        return None
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "image/svg+xml":
        return "SVG"
    if mime in ("image/jpg", "image/pjpeg"):
        return "JPEG"
    return next((k for k, v in IMAGE_TYPES.items() if v == mime), None)


def agrees(content_type: str | None, kind: str) -> bool:
    """True when the declared type names the same image format as the bytes."""
    return declared_kind(content_type) == kind
