"""The `folder` source: a local folder of images, optionally labelled by sub-folder.

    from crawler.folder import import_folder
    tally = import_folder(catalog, "photos/", labels_from_folders=True)

Every file gets a frontier row (its ``file://`` URL), so an interrupted
import resumes and a second import of the same folder adds nothing. With
``labels_from_folders`` the nearest enclosing folder whose name means a class
(``glory-shot``, ``rear``, ``topos`` ...; see crawler.labels) becomes a human
label with origin ``folder``.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlparse

from catalog.labels import record_labels
from catalog.sightings import Sighting
from crawler.dedup import DedupSettings, deduplicate
from crawler.frontier import Finished, Frontier, FrontierItem
from crawler.ingest import (DEFAULT_MAX_PIXELS, Examined, ImageRejected, Outcome, examine,
                            record_images, record_sightings, sha256_of, store_files)
from crawler.labels import label_for_folder
from crawler.places import ensure_source
from crawler.runs import finish_run, start_run
from crawler.tally import Tally
from cragcat.errors import UsageError

LABEL_ORIGIN = "folder"


@dataclass
class FolderTally(Tally):
    """A folder import's counts, with what happened to labels."""

    labelled: int = 0
    label_conflicts: int = 0
    unlabelled_folders: Counter = field(default_factory=Counter)  # folder name -> files

    def figures(self, **extra) -> dict:
        return super().figures(labelled=self.labelled, label_conflicts=self.label_conflicts,
                               unlabelled_folders=dict(self.unlabelled_folders), **extra)


def image_files(root: Path) -> list[Path]:
    """Every non-hidden file under ``root``, in a stable order; links are not followed."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(folder) / f for f in sorted(files) if not f.startswith(".")]
    return found


def folder_label(root: Path, file: Path) -> tuple[str | None, str | None]:
    """(label, folder name it came from), searching from the file's folder up to the root."""
    parts = file.relative_to(root).parts[:-1]
    for name in reversed(parts):
        label = label_for_folder(name)
        if label:
            return label, name
    return None, (parts[-1] if parts else None)


def import_folder(catalog, path: str | os.PathLike, labels_from_folders: bool = False,
                  max_pixels: int = DEFAULT_MAX_PIXELS, max_images: int = 0,
                  batch_size: int = 32,
                  on_item: Callable[[Outcome], None] | None = None,
                  dedup: DedupSettings | None = DedupSettings()) -> FolderTally:
    """Bring every image under ``path`` into ``catalog``; return the run's counts.

    Near-duplicate clusters are updated at the end (``dedup=None`` leaves that
    to a later crawl or import).
    """
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise UsageError(f"{path}: not a folder (crawl --source folder PATH takes a folder)")
    with catalog.transaction() as tx:
        source_id = ensure_source(tx, "folder", str(root), root.as_uri())
    run_id = start_run(catalog, source_id)
    frontier = Frontier(source_id, run_id)
    tally = FolderTally()
    status = "interrupted"
    try:
        _enqueue_files(catalog, frontier, root)
        _ingest_queued(catalog, frontier, tally, max_pixels, max_images, batch_size, on_item)
        if labels_from_folders:
            _label_from_folders(catalog, source_id, root, tally)
        if dedup is not None:
            deduplicate(catalog, dedup)
        status = "finished"
    finally:
        finish_run(catalog, run_id, status, tally.figures())
    return tally


def _enqueue_files(catalog, frontier: Frontier, root: Path) -> None:
    files = image_files(root)
    for start in range(0, len(files), 500):
        with catalog.transaction() as tx:
            frontier.enqueue_many(tx, [(file.as_uri(), "image", 0, None, None)
                                       for file in files[start:start + 500]])


@dataclass(frozen=True)
class _Read:
    """One file after reading and (unless its bytes are known) examining it."""

    item: FrontierItem
    sha256: str | None = None
    examined: Examined | None = None
    paths: tuple[str, str] | None = None
    reason: str | None = None
    detail: str | None = None


def _ingest_queued(catalog, frontier: Frontier, tally: FolderTally, max_pixels: int,
                   max_images: int, batch_size: int, on_item) -> None:
    """Examine a batch of files on worker threads, then write it in one transaction."""
    known = {row[0] for row in catalog.query("SELECT sha256 FROM images")}
    with ThreadPoolExecutor(2, thread_name_prefix="ingest") as pool:
        while not max_images or tally.images < max_images:
            limit = batch_size if not max_images else min(batch_size, max_images - tally.images)
            batch = frontier.queued(catalog.con, kind="image", limit=limit)
            if not batch:
                return
            reads = list(pool.map(lambda item: _read(item, known, max_pixels,
                                                     catalog.store_dir), batch))
            with catalog.transaction() as tx:
                outcomes = _record(tx, frontier, reads, tally)
            known |= {o.sha256 for o in outcomes if o.status == "new"}
            for outcome in outcomes:
                if on_item:
                    on_item(outcome)


def _read(item: FrontierItem, known: set[str], max_pixels: int, store_dir) -> _Read:
    try:
        data = Path(unquote(urlparse(item.url).path)).read_bytes()
    except OSError as exc:
        return _Read(item, reason="unreadable", detail=exc.strerror or str(exc))
    sha = sha256_of(data)
    if sha in known:
        return _Read(item, sha)
    try:
        examined = examine(data, None, max_pixels)
    except ImageRejected as exc:
        return _Read(item, sha, reason=exc.reason, detail=exc.detail)
    return _Read(item, sha, examined, store_files(store_dir, examined))


def _record(tx, frontier: Frontier, reads: list[_Read], tally: FolderTally) -> list[Outcome]:
    new = record_images(tx, [(r.examined, r.paths) for r in reads if r.examined])
    outcomes, sightings, finished = [], [], []
    for r in reads:
        if r.reason:
            frontier.fail(tx, r.item.url, r.reason, r.detail, sha256=r.sha256)
            outcome = Outcome("failed", r.sha256, r.reason, r.detail)
        else:
            outcome = Outcome("new" if r.sha256 in new else "duplicate", r.sha256)
            new.discard(r.sha256)  # the same bytes twice in one batch: the second is a duplicate
            sightings.append((r.sha256, Sighting(source_id=frontier.source_id,
                                                 image_url=r.item.url)))
            finished.append(Finished(r.item.url, sha256=r.sha256))
        tally.count(outcome)
        outcomes.append(outcome)
    tally.sightings += record_sightings(tx, sightings)
    frontier.finish_many(tx, finished)
    return outcomes


def _label_from_folders(catalog, source_id: int, root: Path, tally: FolderTally) -> None:
    """Label every ingested file of this folder (also those of earlier imports)."""
    rows = catalog.query("SELECT url, sha256 FROM pages WHERE source_id = ? AND state = 'done' "
                         "ORDER BY url", [source_id])
    wanted: dict[str, str] = {}
    for url, sha in rows:
        file = Path(unquote(urlparse(url).path))
        if not file.is_relative_to(root):
            continue
        label, folder = folder_label(root, file)
        if label is None:
            tally.unlabelled_folders[folder or "."] += 1
        elif wanted.setdefault(sha, label) != label:
            tally.label_conflicts += 1  # the same bytes in two class folders: first one wins
    with catalog.transaction() as tx:
        verdicts = record_labels(tx, wanted, LABEL_ORIGIN)
    tally.labelled += verdicts["new"]
    tally.label_conflicts += verdicts["conflict"]
