"""Inference-time variants of one trained model on the real validation split.

    python -m bench.real_inference WORK/model-c.duckdb WORK/models/c/model.safetensors

Tries what costs no training: test-time horizontal flip (mean of the two
views' probabilities) and a larger input than the model was trained at
(random-resized-crop training sees objects bigger than a centre crop does).
Prints accuracy, log loss and the top-class probabilities of the real
butt-shots for each variant, against the artifact's own pipeline as baseline.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from PIL import Image
from torchvision.transforms.functional import pil_to_tensor

from catalog import open_catalog
from crawler.folder import LABEL_ORIGIN as REAL_ORIGIN
from trainer.artifact import fit_photo, load_artifact, normalise

ROWS = """SELECT i.sha256, l.label, i.derivative_path FROM images i
          JOIN labels l USING (sha256) JOIN splits s USING (sha256)
          WHERE s.split = ? AND l.origin = ? ORDER BY i.sha256"""


def real_split(catalog_path: Path, store: Path, split: str) -> list[tuple[str, str, Path]]:
    catalog = open_catalog(catalog_path, read_only=True, store=store)
    try:
        return [(sha, label, store / path)
                for sha, label, path in catalog.query(ROWS, [split, REAL_ORIGIN])]
    finally:
        catalog.close()


@torch.no_grad()
def probabilities(artifact, photos, size: int, flip: bool) -> torch.Tensor:
    pixels = []
    for _, _, path in photos:
        with Image.open(path) as image:
            pixels.append(pil_to_tensor(fit_photo(image.convert("RGB"), size,
                                                  artifact.interpolation)))
    batch = normalise(torch.stack(pixels).float().div(255), artifact.mean, artifact.std)
    probs = artifact.model(batch).softmax(1)
    if flip:
        probs = (probs + artifact.model(batch.flip(-1)).softmax(1)) / 2
    return probs


def summary(probs: torch.Tensor, photos, classes: list[str]) -> dict:
    targets = torch.tensor([classes.index(label) for _, label, _ in photos])
    accuracy = float((probs.argmax(1) == targets).float().mean())
    loss = float(-probs[torch.arange(len(targets)), targets].clamp(min=1e-6).log().mean())
    butts = [round(float(p[classes.index("glory")]), 3)
             for p, (_, label, _) in zip(probs, photos) if label == "butt"]
    return {"accuracy": accuracy, "log_loss": loss, "p_glory_of_butts": butts,
            "errors": int((probs.argmax(1) != targets).sum())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.real_inference")
    parser.add_argument("catalog", type=Path)
    parser.add_argument("artifact", type=Path)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--split", default="val")
    parser.add_argument("--sizes", default="", help="extra input sizes, e.g. 192,224")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    store = args.store or args.catalog.parent / "master-store"
    artifact = load_artifact(args.artifact)
    photos = real_split(args.catalog, store, args.split)
    sizes = [artifact.image_size] + [int(s) for s in args.sizes.split(",") if s]
    print(f"{len(photos)} real {args.split} photos; model trained at {artifact.image_size} px")
    for size in sizes:
        for flip in (False, True):
            result = summary(probabilities(artifact, photos, size, flip), photos,
                             artifact.classes)
            print(f"size {size} flip {flip!s:5}: accuracy {result['accuracy']:.3f} "
                  f"({result['errors']} wrong), log loss {result['log_loss']:.4f}, "
                  f"P(glory) of butt-shots {result['p_glory_of_butts']}")


if __name__ == "__main__":
    main()
