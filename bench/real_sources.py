"""Every real, hand-labelled photo cragcat is measured on, with the source it came from.

Two shared sets (never copied into the project): ``../shared/real-photos`` (glory,
butt, topo folders) and ``../shared/real-photos-2`` (glory-shots from six more
sources, and the Cirque app's plain boulder photos, drawn into app-style topos by
``bench.cirque_topos``). A photo's source is its ``repository`` in the set's
``sources.tsv``: leave-one-source-out groups by it. ``stage_by_source`` copies every
photo into a folder per source, so the catalog itself records that source (one
folder import each), as a user's catalog records the site or folder a photo came
from: the trainer's out-of-fold calibration groups by it.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from bench.cirque_topos import CIRQUE_REPOSITORY, write_topos

ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """``../shared`` beside the checkout (or beside the worktrees' folder)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "real-photos").is_dir():
            return base / "shared"
    return ROOT.parent / "shared"


SHARED = shared_dir()
REAL_PHOTOS = SHARED / "real-photos"
REAL_PHOTOS_2 = SHARED / "real-photos-2"


@dataclass(frozen=True)
class RealPhoto:
    path: Path
    label: str
    source: str  # the repository it came from


def read_sources(set_dir: Path) -> dict[str, str]:
    """file (relative to the set) -> repository, from the set's sources.tsv."""
    with open(set_dir / "sources.tsv", newline="", encoding="utf-8") as fh:
        return {row["file"]: row["repository"] for row in csv.DictReader(fh, delimiter="\t")}


def stage_second_set(set_dir: Path, work: Path) -> Path:
    """A labelled folder (glory/, topo/) in ``work`` for the second set: its glory-shots
    and the Cirque topos drawn over its plain boulder photos."""
    staged = work / "real-photos-2-staged"
    (staged / "glory").mkdir(parents=True, exist_ok=True)
    for photo in sorted((set_dir / "glory").glob("*.jpg")):
        if not (staged / "glory" / photo.name).is_file():
            shutil.copyfile(photo, staged / "glory" / photo.name)
    write_topos(set_dir / "plain-boulders", staged / "topo")
    return staged


def real_photos(work: Path, first: Path = REAL_PHOTOS, second: Path | None = REAL_PHOTOS_2,
                ) -> tuple[list[Path], list[RealPhoto]]:
    """The folders to import (labels from their class folders) and every photo in them
    with its label and source."""
    folders, photos = [first], []
    for file, repo in read_sources(first).items():
        photos.append(RealPhoto(first / file, file.split("/")[0], repo))
    if second is not None and second.is_dir():
        staged = stage_second_set(second, work)
        folders.append(staged)
        for file, repo in read_sources(second).items():
            if file.startswith("glory/"):
                photos.append(RealPhoto(staged / file, "glory", repo))
        for drawn in sorted((staged / "topo").glob("*.jpg")):
            photos.append(RealPhoto(drawn, "topo", CIRQUE_REPOSITORY))
    return folders, [p for p in photos if p.path.is_file()]


def stage_by_source(photos: list[RealPhoto], work: Path) -> tuple[list[Path], list[RealPhoto]]:
    """A folder per source in ``work`` (``<source>/<label>/<file>``, copies) and the
    photos at their staged paths: imported one folder at a time, the catalog records
    each photo's source as its own."""
    root = work / "real-by-source"
    folders: dict[str, Path] = {}
    staged = []
    for photo in photos:
        folder = folders.setdefault(photo.source,
                                    root / re.sub(r"[^A-Za-z0-9._-]+", "_", photo.source))
        target = folder / photo.label / photo.path.name
        if target.is_file() and target.stat().st_size != photo.path.stat().st_size:
            target = target.with_name(f"{photo.path.parent.parent.name}-{photo.path.name}")
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(photo.path, target)
        staged.append(RealPhoto(target, photo.label, photo.source))
    return sorted(folders.values()), staged


def source_of_sha(catalog, photos: list[RealPhoto]) -> dict[str, str]:
    """sha256 -> source, through the folder import's page rows (one per file)."""
    by_path = {p.path.resolve(): p.source for p in photos}
    found = {}
    for url, sha in catalog.query("SELECT url, sha256 FROM pages WHERE state = 'done' "
                                  "AND url LIKE 'file:%' AND sha256 IS NOT NULL"):
        source = by_path.get(Path(unquote(urlparse(url).path)).resolve())
        if source is not None:
            found[sha] = source
    return found


def source_folds(sizes: dict[str, int], folds: int) -> list[list[str]]:
    """Sources dealt into ``folds`` groups of about equal photo counts, biggest first
    (grouped k-fold: every source is held out exactly once, never split)."""
    groups: list[list[str]] = [[] for _ in range(folds)]
    totals = [0] * folds
    for source, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        i = totals.index(min(totals))
        groups[i].append(source)
        totals[i] += n
    return [g for g in groups if g]


def describe(photos: list[RealPhoto]) -> str:
    counts = Counter((p.source, p.label) for p in photos)
    return ", ".join(f"{s} {l} {n}" for (s, l), n in sorted(counts.items()))
