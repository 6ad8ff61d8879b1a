"""A labelled folder of the tiny sample site's real photos, for the Ray engine's tests:
each photo in the folder of its true class (labels.csv), unlabelled ones in misc/, the
site's bad files (truncated, SVG, empty, a bomb ...) in bad/."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path


def labelled_site_folder(site_dir: Path, root: Path) -> Path:
    with open(site_dir / "labels.csv", newline="") as fh:
        labels = {row["sha256"]: row["label"] for row in csv.DictReader(fh)}
    media = site_dir / "www" / "media"
    for file in sorted(p for p in media.rglob("*") if p.is_file()):
        sha = hashlib.sha256(file.read_bytes()).hexdigest()
        folder = "bad" if file.parent.name == "bad" else labels.get(sha, "misc")
        target = root / folder / f"{sha[:12]}-{file.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
    return root
