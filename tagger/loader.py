"""Decode the model-ready derivatives in DataLoader workers.

A photo that cannot be read or decoded does not stop a batch: it travels as a
failure (its reason) beside the tensors of the photos that decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import DataLoader, Dataset


@dataclass(frozen=True)
class Photo:
    """A canonical image to tag: its hash and its derivative, relative to the store."""

    sha256: str
    derivative_path: str


@dataclass
class Batch:
    """What one loader step hands the model: decoded photos and the failures."""

    photos: list[Photo]            # decoded, in the order of ``pixels``
    pixels: torch.Tensor | None    # N x C x H x W, as the transform made them
    failures: list[tuple[Photo, str]]


def read_photo(path: Path) -> Image.Image:
    """Open and fully decode an RGB derivative; raises OSError/ValueError when it cannot."""
    with Image.open(path) as image:
        image.load()
        return image.convert("RGB") if image.mode != "RGB" else image.copy()


def decode_failure(path: Path, exc: Exception) -> str:
    """A short reason for a photo that did not decode."""
    if isinstance(exc, FileNotFoundError):
        return f"derivative missing: {path.name}"
    if isinstance(exc, UnidentifiedImageError):
        return "not an image: the derivative cannot be identified"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"cannot decode derivative: {text}"


class DerivativeDataset(Dataset):
    """Item i: (photo, pixels or None, failure reason or None)."""

    def __init__(self, store_dir: Path, photos: Sequence[Photo],
                 transform: Callable[[Image.Image], torch.Tensor]):
        self.store_dir = Path(store_dir)
        self.photos = list(photos)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.photos)

    def __getitem__(self, index: int):
        photo = self.photos[index]
        path = self.store_dir / photo.derivative_path
        try:
            return photo, self.transform(read_photo(path)), None
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            return photo, None, decode_failure(path, exc)


def collate_photos(items) -> Batch:
    decoded = [(photo, pixels) for photo, pixels, reason in items if reason is None]
    failures = [(photo, reason) for photo, _, reason in items if reason is not None]
    pixels = torch.stack([p for _, p in decoded]) if decoded else None
    return Batch([photo for photo, _ in decoded], pixels, failures)


def photo_loader(store_dir: Path, photos: Sequence[Photo],
                 transform: Callable[[Image.Image], torch.Tensor],
                 batch_size: int, workers: int, pin_memory: bool = False) -> DataLoader:
    """Batches in catalog order; workers decode while the model runs."""
    return DataLoader(DerivativeDataset(store_dir, photos, transform), batch_size=batch_size,
                      shuffle=False, num_workers=workers, collate_fn=collate_photos,
                      pin_memory=pin_memory, persistent_workers=False,
                      prefetch_factor=4 if workers else None)
