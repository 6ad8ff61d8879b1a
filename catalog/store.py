"""The image store's contract: where files lie, and what a derivative is.

Every image is kept twice under ``Catalog.store_dir``, content-addressed by its
SHA-256 (never a name from the URL): the original bytes, and the model-ready
derivative that training and tagging read: an RGB JPEG (EXIF orientation
applied) whose shorter side is DERIVATIVE_SHORT_SIDE pixels (antialiased
bilinear, never upscaled), at JPEG quality DERIVATIVE_QUALITY.
"""

DERIVATIVE_SHORT_SIDE = 256  # at least every backbone's input size (224 by default)
DERIVATIVE_QUALITY = 90


def original_path(sha256: str, extension: str) -> str:
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


def derivative_path(sha256: str) -> str:
    return f"derivatives/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"
