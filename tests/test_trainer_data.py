"""Input pipeline: cached pixels equal the inference transform; sampler; augmentation."""

import torch
from PIL import Image

from catalog import open_catalog
from tests.trainer_photos import labelled_catalog
from trainer.artifact import PhotoTransform
from trainer.data import Augment, PhotoBatches, augment_batch, balanced_sampler
from trainer.labels import labelled_photos

CLASSES = ["glory", "butt", "topo"]
INDEX = {c: i for i, c in enumerate(CLASSES)}


def _photos(tmp_path, per_class=4):
    with open_catalog(labelled_catalog(tmp_path / "c.duckdb", per_class=per_class)) as catalog:
        return labelled_photos(catalog, CLASSES)[0]


def test_cached_and_streamed_pixels_equal_the_inference_transform(tmp_path):
    photos = _photos(tmp_path)
    cpu = torch.device("cpu")
    cached = PhotoBatches(photos, INDEX, 48, "bicubic", 5, cpu, workers=0, cached=True)
    streamed = PhotoBatches(photos, INDEX, 48, "bicubic", 5, cpu, workers=2, cached=False)
    transform = PhotoTransform(48, (0.5,) * 3, (0.5,) * 3, "bicubic")
    seen = 0
    for (a, ta, ia), (b, tb, ib) in zip(cached, streamed):
        assert torch.equal(a, b) and torch.equal(ta, tb) and torch.equal(ia, ib)
        for pixels, index in zip(a, ia.tolist()):
            expected = transform.to_uint8(Image.open(photos[index].derivative))
            assert torch.equal(pixels, expected)
            seen += 1
    assert seen == len(photos) == 12 and len(cached) == 3


def test_undecodable_photo_is_left_out(tmp_path):
    photos = _photos(tmp_path)
    photos[0].derivative.write_bytes(b"not a jpeg at all")
    cpu = torch.device("cpu")
    for cached in (True, False):
        batches = PhotoBatches(photos, INDEX, 32, "bilinear", 4, cpu, 0, cached=cached)
        indices = torch.cat([i for _, _, i in batches])
        assert len(indices) == 11
        assert [p.sha256 for p in batches.undecodable] == [photos[0].sha256]


def test_sampler_balances_classes():
    targets = torch.tensor([0] * 90 + [1] * 9 + [2] * 1)
    sampler = balanced_sampler(targets, 3, seed=0)
    drawn = torch.tensor([int(targets[i]) for _ in range(30) for i in sampler])
    share = torch.bincount(drawn, minlength=3).float() / len(drawn)
    assert torch.allclose(share, torch.full((3,), 1 / 3), atol=0.03), share
    again = [int(i) for i in balanced_sampler(targets, 3, seed=0)]
    assert again == [int(i) for i in balanced_sampler(targets, 3, seed=0)]


def test_augmentation_keeps_shape_and_is_seeded():
    pixels = torch.randint(0, 256, (6, 3, 40, 40), dtype=torch.uint8)
    augment = Augment(flip=True, color_jitter=0.3, crop_scale=0.5)
    mean = std = (0.5, 0.5, 0.5)
    a = augment_batch(pixels, augment, torch.Generator().manual_seed(1), mean, std)
    b = augment_batch(pixels, augment, torch.Generator().manual_seed(1), mean, std)
    c = augment_batch(pixels, augment, torch.Generator().manual_seed(2), mean, std)
    plain = augment_batch(pixels, Augment(), None, mean, std)
    assert a.shape == (6, 3, 40, 40) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert -1.0 <= float(a.min()) and float(a.max()) <= 1.0
    assert torch.allclose(plain, pixels.float() / 127.5 - 1.0, atol=1e-6)


def test_flip_alone_mirrors_some_photos():
    pixels = torch.randint(0, 256, (16, 3, 8, 8), dtype=torch.uint8)
    out = augment_batch(pixels, Augment(flip=True), torch.Generator().manual_seed(0), (0,) * 3,
                        (1,) * 3)
    flipped = [torch.equal(o, p.float().div(255).flip(-1)) for o, p in zip(out, pixels)]
    kept = [torch.equal(o, p.float().div(255)) for o, p in zip(out, pixels)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)
