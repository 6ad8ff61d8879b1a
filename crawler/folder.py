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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlparse

from crawler.dedup import DedupSettings, deduplicate
from crawler.frontier import Frontier, FrontierItem
from crawler.ingest import DEFAULT_MAX_PIXELS, Ingester, Outcome, Sighting
from crawler.labels import label_for_folder, record_label
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
            for file in files[start:start + 500]:
                frontier.enqueue(tx, file.as_uri(), "image")


def _ingest_queued(catalog, frontier: Frontier, tally: FolderTally, max_pixels: int,
                   max_images: int, batch_size: int, on_item) -> None:
    ingester = Ingester(catalog, max_pixels)
    while not max_images or tally.images < max_images:
        limit = batch_size if not max_images else min(batch_size, max_images - tally.images)
        batch = frontier.queued(catalog.con, kind="image", limit=limit)
        if not batch:
            return
        with catalog.transaction() as tx:
            for item in batch:
                outcome = _ingest_file(tx, ingester, frontier, item)
                tally.count(outcome)
                tally.sightings += outcome.new_sighting
                if on_item:
                    on_item(outcome)


def _ingest_file(tx, ingester: Ingester, frontier: Frontier, item: FrontierItem) -> Outcome:
    file = Path(unquote(urlparse(item.url).path))
    try:
        data = file.read_bytes()
    except OSError as exc:
        frontier.fail(tx, item.url, "unreadable", exc.strerror or str(exc))
        return Outcome("failed", None, "unreadable", exc.strerror)
    outcome = ingester.ingest(tx, data, Sighting(source_id=frontier.source_id,
                                                 image_url=item.url))
    if outcome.status == "failed":
        frontier.fail(tx, item.url, outcome.reason, outcome.detail, sha256=outcome.sha256)
    else:
        frontier.finish(tx, item.url, sha256=outcome.sha256)
    return outcome


def _label_from_folders(catalog, source_id: int, root: Path, tally: FolderTally) -> None:
    """Label every ingested file of this folder (also those of earlier imports)."""
    rows = catalog.query("SELECT url, sha256 FROM pages WHERE source_id = ? AND state = 'done' "
                         "ORDER BY url", [source_id])
    with catalog.transaction() as tx:
        for url, sha in rows:
            file = Path(unquote(urlparse(url).path))
            if not file.is_relative_to(root):
                continue
            label, folder = folder_label(root, file)
            if label is None:
                tally.unlabelled_folders[folder or "."] += 1
                continue
            verdict = record_label(tx, sha, label, LABEL_ORIGIN)
            tally.labelled += verdict == "new"
            tally.label_conflicts += verdict == "conflict"
