"""A fast leave-one-source-out probe for ranking recipe ideas before fine-tuning.

    python -m bench.feature_probe --backbones efficientnet_lite0,efficientnet_lite1

Frozen backbone features (the pooled output before the classifier, of the photo and
its mirror image) are extracted once per backbone and cached under
``~/.cache/cragcat/features`` keyed by backbone, input size and file hash. Each real
source is then held out in turn (true leave-one-source-out) and heads are fitted on
the other sources plus the sample site in seconds:

- ``linear``: a class-balanced softmax head on the L2-normalised features;
- ``+proto``: butt-vs-glory by nearest class prototype (mean feature) overrides the
  head where the photo is nearer the butt-shots' prototype than the glory-shots';
- ``+flip``: the head's probabilities averaged over the photo and its mirror (what
  test-time augmentation would buy);
- ``-site``: without the sample site's photos.

Calibration is fitted on out-of-fold probabilities of the *other* sources only
(temperature, one threshold per class reaching the precision target, and the glory
guard as the highest out-of-fold P(glory) of a butt-shot), then applied to the held-out
source. The head, features and calibration maths are trainer.probe's (what
`train --set head=probe` runs); bench.real_loso measures a recipe as `train` runs it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torchvision.transforms.functional import pil_to_tensor

from bench.real_report import markdown_table
from bench.real_sources import RealPhoto, real_photos
from trainer import probe
from trainer.artifact import fit_photo
from trainer.architecture import LITE_MODELS, preprocessing, resolve
from trainer.backbones import create_model
from trainer.probe import class_thresholds, extract_features, fit_temperature

CACHE = Path.home() / ".cache" / "cragcat" / "features"
WORK = Path.home() / ".cache" / "cragcat" / "bench-real-loso"
CLASSES = ["glory", "butt", "topo"]
SITE = "samplesite"


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def native_size(backbone: str) -> int:
    return LITE_MODELS[backbone][3] if backbone in LITE_MODELS else 224


def extract(backbone: str, size: int, paths: list[Path], batch: int = 32) -> dict[str, torch.Tensor]:
    """{file hash: features of (photo, mirror)} for every path, from cache where known
    (computed by trainer.probe.extract_features, as `train --set head=probe` does)."""
    cache_file = CACHE / f"{backbone}-{size}.pt"
    cached: dict[str, torch.Tensor] = (torch.load(cache_file, weights_only=True)
                                       if cache_file.is_file() else {})
    hashes = {p: file_hash(p) for p in paths}
    todo = [p for p in paths if hashes[p] not in cached]
    if todo:
        pre = preprocessing(resolve(backbone))
        model = create_model(backbone, len(CLASSES)).eval()
        for start in range(0, len(todo), batch):
            part = todo[start:start + batch]
            pixels = torch.stack([_pixels(p, size, pre.interpolation) for p in part])
            feats = extract_features(model, len(CLASSES), pixels, pre.mean, pre.std, batch)
            for p, both in zip(part, feats):
                cached[hashes[p]] = both.half()
            print(f"{backbone}: {min(start + batch, len(todo))}/{len(todo)} photos", flush=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        torch.save(cached, cache_file)
    return {hashes[p]: cached[hashes[p]].float() for p in paths}


def _pixels(path: Path, size: int, interpolation: str) -> torch.Tensor:
    with Image.open(path) as image:
        return pil_to_tensor(fit_photo(image.convert("RGB"), size, interpolation))


def site_photos(site_dir: Path) -> list[RealPhoto]:
    """The sample site's labelled photo files (labels.csv is keyed by file hash)."""
    with open(site_dir / "labels.csv", newline="") as fh:
        labels = {r["sha256"]: r["label"] for r in csv.DictReader(fh)}
    found = []
    for path in sorted((site_dir / "www" / "media").rglob("*")):
        if path.is_file() and (label := labels.get(file_hash(path))) in CLASSES:
            found.append(RealPhoto(path, label, SITE))
    return found


@dataclass
class Data:
    """Features (N, 2 views, C), labels (N,), sources (N,)."""

    x: torch.Tensor
    y: torch.Tensor
    sources: list[str]


def load_data(backbone: str, photos: list[RealPhoto]) -> Data:
    feats = extract(backbone, native_size(backbone), [p.path for p in photos])
    x = torch.stack([feats[file_hash(p.path)] for p in photos])
    x = x / x.norm(dim=-1, keepdim=True)
    return Data(x, torch.tensor([CLASSES.index(p.label) for p in photos]),
                [p.source for p in photos])


def fit_head(x: torch.Tensor, y: torch.Tensor, steps: int = 300, decay: float = 1e-3):
    """trainer.probe's head (class-balanced, full-batch L-BFGS) as a function of features."""
    head = probe.fit_head(x, y, len(CLASSES), decay=decay, steps=steps)
    return lambda f: probe.head_logits(head, f)


def out_of_fold(data: Data, variant: str) -> torch.Tensor:
    """Logits of every real photo from heads fitted without its source."""
    real = [i for i, s in enumerate(data.sources) if s != SITE]
    logits = torch.zeros(len(data.sources), len(CLASSES))
    for source in sorted({data.sources[i] for i in real}):
        held = torch.tensor([i for i in real if data.sources[i] == source])
        train = torch.tensor([i for i, s in enumerate(data.sources) if s != source
                              and not (variant.endswith("-site") and s == SITE)])
        head = fit_head(data.x[train, 0], data.y[train])
        out = head(data.x[held, 0])
        if "+flip" in variant:
            out = (out.softmax(1) + head(data.x[held, 1]).softmax(1)).div(2).log()
        if "+proto" in variant:
            out = prototype_override(out, data.x[held, 0], data.x[train, 0], data.y[train])
        logits[held] = out
    return logits[real]


def prototype_override(logits: torch.Tensor, x: torch.Tensor, train_x: torch.Tensor,
                       train_y: torch.Tensor) -> torch.Tensor:
    """Butt-vs-glory by the nearer class prototype: where a photo is nearer the butt-shots'
    mean feature than the glory-shots', its glory and butt logits swap if glory led."""
    glory, butt = CLASSES.index("glory"), CLASSES.index("butt")
    protos = torch.stack([train_x[train_y == c].mean(0) for c in (glory, butt)])
    protos = protos / protos.norm(dim=1, keepdim=True)
    nearer_butt = (x @ protos.T).argmax(1) == 1
    out = logits.clone()
    swap = nearer_butt & (logits[:, glory] > logits[:, butt])
    out[swap, glory], out[swap, butt] = logits[swap, butt], logits[swap, glory]
    return out


def calibrated_tags(logits: torch.Tensor, data_y: torch.Tensor, sources: list[str],
                    precision: float, guard: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Per held-out source: temperature, class thresholds and glory guard fitted on the
    other sources' out-of-fold logits; returns (probabilities, tagged class or -1)."""
    probs = torch.zeros_like(logits)
    tagged = torch.full((len(sources),), -1)
    for source in sorted(set(sources)):
        mine = torch.tensor([s == source for s in sources])
        t = fit_temperature(logits[~mine], data_y[~mine])
        others = (logits[~mine] / t).softmax(1)
        limits = class_thresholds(others, data_y[~mine], precision)
        if guard:
            butts = others[data_y[~mine] == CLASSES.index("butt"), 0]
            if len(butts):
                limits[0] = max(limits[0], (float(butts.max()) + 1) / 2)
        p = (logits[mine] / t).softmax(1)
        top, conf = p.argmax(1), p.max(1).values
        ok = conf >= torch.tensor(limits)[top]
        probs[mine] = p
        tagged[mine] = torch.where(ok, top, torch.full_like(top, -1))
    return probs, tagged


PROBE_COLUMNS = ["backbone", "head", "top-1", "lowest source (n >= 20)", "coverage",
                 "tag precision", "recall g/b/t", "butts tagged glory", "butts top glory",
                 "lowest topo recall"]


def summary_row(backbone: str, variant: str, logits: torch.Tensor, y: torch.Tensor,
                sources: list[str], precision: float) -> list[str]:
    probs, tagged = calibrated_tags(logits, y, sources, precision, guard=True)
    top = probs.argmax(1)
    by_source = defaultdict(list)
    for i, s in enumerate(sources):
        by_source[s].append(i)
    big = {s: float((top[ix] == y[ix]).float().mean()) for s, ix in by_source.items()
           if len(ix) >= 20}
    worst = min(big, key=big.get)
    topo = CLASSES.index("topo")
    topo_recall = {s: float((top[ix][y[ix] == topo] == topo).float().mean())
                   for s, ix in by_source.items() if (y[ix] == topo).any()}
    given = tagged >= 0
    recall = "/".join(f"{float((top[y == c] == c).float().mean()):.2f}"
                      for c in range(len(CLASSES)))
    butts = y == CLASSES.index("butt")
    return [backbone, variant, f"{float((top == y).float().mean()):.3f}",
            f"{worst.split('/')[-1]} {big[worst]:.3f}", f"{float(given.float().mean()):.3f}",
            f"{float((tagged[given] == y[given]).float().mean()):.3f}", recall,
            f"{int((tagged[butts] == 0).sum())} of {int(butts.sum())}",
            f"{int((top[butts] == 0).sum())} of {int(butts.sum())}",
            f"{min(topo_recall.values()):.2f}"]


def source_rows(logits: torch.Tensor, y: torch.Tensor, sources: list[str],
                precision: float) -> list[list[str]]:
    """Per held-out source with 10 or more photos: n, top-1, coverage, topo recall."""
    probs, tagged = calibrated_tags(logits, y, sources, precision, guard=True)
    top, topo = probs.argmax(1), CLASSES.index("topo")
    rows = []
    for source in sorted(set(sources), key=lambda s: -sources.count(s)):
        ix = torch.tensor([s == source for s in sources])
        if int(ix.sum()) < 10:
            continue
        topos = ix & (y == topo)
        rows.append([source, str(int(ix.sum())), f"{float((top[ix] == y[ix]).float().mean()):.3f}",
                     f"{float((tagged[ix] >= 0).float().mean()):.3f}",
                     f"{float((top[topos] == topo).float().mean()):.2f}" if topos.any() else "-"])
    return rows


def probe_folds(logits: torch.Tensor, y: torch.Tensor, sources: list[str], precision: float,
                guard: bool) -> list[dict]:
    """The probe's out-of-fold verdicts in bench.real_loso's fold format (one fold per
    source), for the same LOSO table and cover trial as fine-tuned runs."""
    probs, tagged = calibrated_tags(logits, y, sources, precision, guard)
    rows = [{"sha256": f"{i:05d}", "source": s, "truth": CLASSES[int(y[i])],
             "tagged": CLASSES[int(tagged[i])] if tagged[i] >= 0 else "other",
             "confidence": float(probs[i].max()),
             "probabilities": dict(zip(CLASSES, probs[i].tolist()))}
            for i, s in enumerate(sources)]
    return [{"verdicts": rows}]


def main(argv: list[str] | None = None) -> None:
    from samplesite.build import build_site

    parser = argparse.ArgumentParser(prog="python -m bench.feature_probe",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--backbones", default="efficientnet_lite0")
    parser.add_argument("--heads", default="linear,linear+flip,linear+proto,linear-site")
    parser.add_argument("--precision", type=float, default=0.97)
    parser.add_argument("--site-size", default="small")
    parser.add_argument("--detail", action="store_true", help="a table per source too")
    parser.add_argument("--table", action="store_true",
                        help="the LOSO table with the cover trial, guard on and off")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    _, photos = real_photos(WORK)
    photos += site_photos(build_site(args.site_size, 0))
    rows = []
    for backbone in args.backbones.split(","):
        data = load_data(backbone, photos)
        real = [i for i, s in enumerate(data.sources) if s != SITE]
        y, sources = data.y[real], [data.sources[i] for i in real]
        for variant in args.heads.split(","):
            logits = out_of_fold(data, variant)
            rows.append(summary_row(backbone, variant, logits, y, sources, args.precision))
            print(markdown_table(PROBE_COLUMNS, rows[-1:]), flush=True)
            if args.table:
                from bench.real_loso_report import COLUMNS, loso_rows
                for guard in (True, False):
                    print(f"{backbone} {variant}, glory guard {'on' if guard else 'off'}:")
                    print(markdown_table(COLUMNS, loso_rows(
                        probe_folds(logits, y, sources, args.precision, guard), CLASSES)))
            if args.detail:
                print(markdown_table(["source", "n", "top-1", "coverage", "topo recall"],
                                     source_rows(logits, y, sources, args.precision)))
    print(markdown_table(PROBE_COLUMNS, rows))


if __name__ == "__main__":
    main()
