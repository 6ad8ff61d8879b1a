"""Input pipeline: derivatives -> uint8 model-size tensors -> augmented, normalised batches.

Each photo is decoded once (DataLoader workers) into exactly the pixels the
artifact's inference transform produces (shorter side resized, centre crop),
and kept as a uint8 tensor — on the GPU when training there — when the set fits
``train.cache_mb``. Augmentation (random resized crop, flip, colour jitter)
then runs on whole batches of tensors where they live, instead of decoding
and transforming every photo again each epoch. A set too big for the cache is
decoded every epoch by the workers instead; both paths share the augmentation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler

from trainer.artifact import fit_photo, normalise


@dataclass(frozen=True)
class Augment:
    """Training-time augmentation; all off means the eval view."""

    flip: bool = False
    color_jitter: float = 0.0
    crop_scale: float = 1.0


class DerivativeFiles(Dataset):
    """Decode derivative JPEGs into uint8 (3, size, size); a bad file gives ok=False."""

    def __init__(self, paths: list[Path], size: int, interpolation: str):
        self.paths = paths
        self.size = size
        self.interpolation = interpolation

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, bool]:
        from torchvision.transforms.functional import pil_to_tensor
        try:
            with Image.open(self.paths[index]) as image:
                fitted = fit_photo(image, self.size, self.interpolation)
            return pil_to_tensor(fitted), True
        except (OSError, UnidentifiedImageError, ValueError):
            return torch.zeros(3, self.size, self.size, dtype=torch.uint8), False


def _collate(items):
    pixels, ok = zip(*items)
    return torch.stack(pixels), torch.tensor(ok)


def decode_all(paths: list[Path], size: int, interpolation: str,
               workers: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(uint8 N x 3 x size x size, bool N ok) for every path, decoded once."""
    files = DerivativeFiles(paths, size, interpolation)
    loader = DataLoader(files, batch_size=64, num_workers=min(workers, max(1, len(paths) // 64)),
                        collate_fn=_collate)
    pixels, ok = [], []
    for batch, good in loader:
        pixels.append(batch)
        ok.append(good)
    if not pixels:
        return torch.zeros(0, 3, size, size, dtype=torch.uint8), torch.zeros(0, dtype=torch.bool)
    return torch.cat(pixels), torch.cat(ok)


def balanced_sampler(targets: torch.Tensor, num_classes: int, seed: int) -> WeightedRandomSampler:
    """Draw each class equally often (with replacement), one epoch = len(targets) draws."""
    counts = torch.bincount(targets, minlength=num_classes).float()
    weights = (1.0 / counts.clamp(min=1))[targets]
    generator = torch.Generator().manual_seed(seed)
    return WeightedRandomSampler(weights.double(), num_samples=len(targets), replacement=True,
                                 generator=generator)


class PhotoBatches:
    """One split's photos as batches of (uint8 pixels on ``device``, targets, indices).

    ``cached`` keeps every decoded photo as one tensor on the device; otherwise
    DataLoader workers decode each epoch. Photos that cannot be decoded are
    dropped and listed in ``undecodable``. ``balanced`` draws each class
    equally often; ``shuffle_seed`` shuffles; neither keeps the order.
    """

    def __init__(self, photos: list, class_index: dict[str, int], size: int,
                 interpolation: str, batch_size: int, device: torch.device, workers: int,
                 cached: bool, balanced: bool = False, shuffle_seed: int | None = None):
        self.photos = list(photos)
        self.class_index = class_index
        self.size = size
        self.interpolation = interpolation
        self.batch_size = batch_size
        self.device = device
        self.workers = workers
        self.cached = cached
        self.undecodable: list = []
        self.pixels = self._decode_once() if cached else None
        self.targets = torch.tensor([class_index[p.label] for p in self.photos],
                                    dtype=torch.long)
        seed = 0 if shuffle_seed is None else shuffle_seed
        self.sampler = balanced_sampler(self.targets, len(class_index), seed) \
            if balanced and len(self.photos) else None
        self._order = torch.Generator().manual_seed(seed) if shuffle_seed is not None else None

    @property
    def paths(self) -> list[Path]:
        return [p.derivative for p in self.photos]

    def _decode_once(self) -> torch.Tensor:
        pixels, ok = decode_all(self.paths, self.size, self.interpolation, self.workers)
        self.undecodable = [p for p, good in zip(self.photos, ok.tolist()) if not good]
        self.photos = [p for p, good in zip(self.photos, ok.tolist()) if good]
        return pixels[ok].to(self.device)

    def __len__(self) -> int:
        return math.ceil(len(self.photos) / self.batch_size)

    def epoch_indices(self) -> torch.Tensor:
        if self.sampler is not None:
            return torch.tensor(list(iter(self.sampler)), dtype=torch.long)
        if self._order is not None:
            return torch.randperm(len(self.photos), generator=self._order)
        return torch.arange(len(self.photos))

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Yield (pixels uint8, targets, indices into ``photos``)."""
        indices = self.epoch_indices()
        if self.cached:
            targets = self.targets.to(self.device)
            for start in range(0, len(indices), self.batch_size):
                chunk = indices[start:start + self.batch_size]
                on_device = chunk.to(self.device)
                yield self.pixels[on_device], targets[on_device], chunk
            return
        yield from self._streamed(indices)

    def _streamed(self, indices: torch.Tensor):
        files = DerivativeFiles(self.paths, self.size, self.interpolation)
        batches = [indices[s:s + self.batch_size].tolist()
                   for s in range(0, len(indices), self.batch_size)]
        loader = DataLoader(files, batch_sampler=batches, num_workers=self.workers,
                            collate_fn=_collate, pin_memory=self.device.type == "cuda")
        for chunk, (pixels, ok) in zip(batches, loader):
            chunk = torch.tensor(chunk, dtype=torch.long)
            for index in chunk[~ok].tolist():
                if self.photos[index] not in self.undecodable:
                    self.undecodable.append(self.photos[index])
            chunk = chunk[ok]
            if not len(chunk):
                continue
            yield (pixels[ok].to(self.device, non_blocking=True),
                   self.targets[chunk].to(self.device), chunk)


def fits_cache(count: int, size: int, cache_mb: int, device: torch.device) -> bool:
    """Whether ``count`` decoded photos fit the cache budget (and free GPU memory)."""
    needed = count * 3 * size * size
    if needed > cache_mb * 2**20:
        return False
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return needed < free * 0.5  # leave the other half to the model and activations
    return True


def augment_batch(pixels: torch.Tensor, augment: Augment, generator: torch.Generator,
                  mean, std) -> torch.Tensor:
    """uint8 batch -> augmented, normalised float batch, computed where ``pixels`` live."""
    batch = pixels.float().div_(255.0)
    if augment.crop_scale < 1.0:
        batch = _random_resized_crop(batch, augment.crop_scale, generator)
    if augment.flip:
        flip = _uniform(len(batch), generator, batch.device) < 0.5
        batch = torch.where(flip[:, None, None, None], batch.flip(-1), batch)
    if augment.color_jitter > 0:
        batch = _color_jitter(batch, augment.color_jitter, generator)
    return normalise(batch, mean, std)


def _uniform(n: int, generator: torch.Generator, device, low=0.0, high=1.0) -> torch.Tensor:
    values = torch.rand(n, generator=generator, device=generator.device)
    return (low + (high - low) * values).to(device)


def _random_resized_crop(batch: torch.Tensor, min_scale: float,
                         generator: torch.Generator) -> torch.Tensor:
    """Per-photo random crop (area fraction min_scale..1, aspect 3/4..4/3), resized back."""
    from torchvision.ops import roi_align

    n, _, height, width = batch.shape
    area = _uniform(n, generator, batch.device, min_scale, 1.0)
    log_ratio = _uniform(n, generator, batch.device, math.log(3 / 4), math.log(4 / 3))
    ratio = torch.exp(log_ratio)
    crop_w = (width * torch.sqrt(area * ratio)).clamp(max=width)
    crop_h = (height * torch.sqrt(area / ratio)).clamp(max=height)
    x0 = _uniform(n, generator, batch.device) * (width - crop_w)
    y0 = _uniform(n, generator, batch.device) * (height - crop_h)
    index = torch.arange(n, device=batch.device, dtype=batch.dtype)
    boxes = torch.stack([index, x0, y0, x0 + crop_w, y0 + crop_h], dim=1)
    return roi_align(batch, boxes, output_size=(height, width), spatial_scale=1.0,
                     sampling_ratio=2, aligned=True)


def _color_jitter(batch: torch.Tensor, strength: float, generator: torch.Generator) -> torch.Tensor:
    n = len(batch)
    shape = (n, 1, 1, 1)
    brightness = _uniform(n, generator, batch.device, 1 - strength, 1 + strength).view(shape)
    contrast = _uniform(n, generator, batch.device, 1 - strength, 1 + strength).view(shape)
    saturation = _uniform(n, generator, batch.device, 1 - strength, 1 + strength).view(shape)
    batch = batch * brightness
    grey = (0.299 * batch[:, 0] + 0.587 * batch[:, 1] + 0.114 * batch[:, 2]).unsqueeze(1)
    batch = (batch - grey.mean(dim=(2, 3), keepdim=True)) * contrast \
        + grey.mean(dim=(2, 3), keepdim=True)
    grey = (0.299 * batch[:, 0] + 0.587 * batch[:, 1] + 0.114 * batch[:, 2]).unsqueeze(1)
    batch = grey + (batch - grey) * saturation
    return batch.clamp_(0.0, 1.0)
