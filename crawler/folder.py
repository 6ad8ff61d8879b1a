"""The `folder` source: a local folder of images, optionally labelled by sub-folder.

    from crawler.folder import import_folder
    tally = import_folder(catalog, "photos/", options)

A folder is crawled like a site by the same engine (crawler.engine): each
file is an image reference seen in its folder, read by :class:`FileReader`
instead of fetched, so an interrupted import resumes from its frontier rows
and a second import of the same folder adds nothing. With
``labels_from_folders`` the nearest enclosing folder whose name means a class
(``glory-shot``, ``rear``, ``topos`` ...; see crawler.labels) becomes a human
label with origin ``folder``.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote_to_bytes, urlparse

import httpx

from catalog.labels import record_labels
from catalog.sightings import Sighting
from crawler.crawl import crawl_source
from crawler.dedup import deduplicate
from crawler.fetch import FetchFailed, Fetched
from crawler.frontier import Frontier, FrontierItem
from crawler.ingest import ImageRejected
from crawler.labels import label_for_folder
from crawler.options import CrawlOptions
from crawler.places import ensure_source
from crawler.refs import add_refs
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


def image_files(root: Path) -> list[tuple[Path, str | None]]:
    """Every non-hidden entry under ``root`` in a stable order, each with the reason it
    is not read (a link, a FIFO or device, a folder that cannot be listed) or None.

    Only regular files inside the folder are read: a link may lead anywhere."""
    found: list[tuple[Path, str | None]] = []

    def unlistable(error: OSError) -> None:
        found.append((Path(error.filename), "unreadable-folder"))

    for folder, dirs, files in os.walk(root, onerror=unlistable):
        here = Path(folder)
        links = [d for d in dirs if os.path.islink(here / d)]  # False when unreadable
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in links)
        for name in sorted(f for f in files + links if not f.startswith(".")):
            found.append((here / name, _not_a_photo_file(here / name)))
    return found


def _not_a_photo_file(path: Path) -> str | None:
    try:
        mode = path.lstat().st_mode
    except OSError:
        return "unreadable"
    if stat.S_ISLNK(mode):
        return "symlink"
    return None if stat.S_ISREG(mode) else "not-a-regular-file"


def read_limited(file: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, never following a link nor blocking on a FIFO;
    raise ImageRejected for anything else or for more than ``max_bytes``."""
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # it became a link after the walk
            raise ImageRejected("symlink", str(file)) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ImageRejected("not-a-regular-file", str(file))
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected("too-large", f"over {max_bytes:,} bytes")
    return data


def folder_label(root: Path, file: Path) -> tuple[str | None, str | None]:
    """(label, folder name it came from), searching from the file's folder up to the root."""
    parts = file.relative_to(root).parts[:-1]
    for name in reversed(parts):
        label = label_for_folder(name)
        if label:
            return label, name
    return None, (parts[-1] if parts else None)


def file_of(url: str) -> Path:
    """The file of a ``file://`` URL, byte for byte (a name need not be UTF-8)."""
    return Path(os.fsdecode(unquote_to_bytes(urlparse(url).path)))


class FileReader:
    """The folder source's fetcher: a ``file://`` URL's bytes, read off the event loop,
    never past ``max_bytes`` (the crawl's limit)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.retries: Counter = Counter()  # a file is read once: nothing is retried

    async def __aenter__(self) -> "FileReader":
        return self

    async def __aexit__(self, *exc) -> None:
        return None

    async def fetch(self, url: str, hop=None) -> Fetched:
        try:
            data = await asyncio.to_thread(read_limited, file_of(url), self.max_bytes)
        except ImageRejected as exc:
            raise FetchFailed(exc.reason, exc.detail, attempts=1) from None
        except OSError as exc:
            raise FetchFailed("unreadable", exc.strerror or str(exc), attempts=1) from None
        return Fetched(url, 200, httpx.Headers(), data)


class FolderSource:
    """A folder for the engine: every file an image reference, seen in its folder.

    It queues no pages, so the engine never asks it to request or parse one."""

    parse_anywhere = False

    def __init__(self, root: Path, tally: FolderTally, labels_from_folders: bool):
        self.root = root
        self.tally = tally
        self.labels_from_folders = labels_from_folders
        self.source_id = 0

    def open(self, tx) -> int:
        self.source_id = ensure_source(tx, "folder", str(self.root), self.root.as_uri())
        return self.source_id

    def seed(self, tx, frontier: Frontier) -> None:
        entries = image_files(self.root)
        add_refs(tx, frontier, [(Sighting(image_url=file.as_uri(),
                                          page_url=file.parent.as_uri()), 0)
                                for file, why in entries if not why])
        self.tally.skipped += len(frontier.skip_many(
            tx, [(file.as_uri(), "image", why, 0, None) for file, why in entries if why]))

    def hop_rule(self, item: FrontierItem) -> None:
        return None  # a file has no redirects

    def run_report(self) -> dict:
        """No profile, so no profile quality report."""
        return {}

    def finish(self, tx) -> None:
        if self.labels_from_folders:
            self._label(tx)

    def _label(self, tx) -> None:
        """Label every ingested file of this folder (also those of earlier imports)."""
        rows = tx.execute("SELECT url, sha256 FROM pages WHERE source_id = ? AND "
                          "state = 'done' ORDER BY url", [self.source_id]).fetchall()
        wanted: dict[str, str] = {}
        for url, sha in rows:
            file = file_of(url)
            if not file.is_relative_to(self.root):
                continue
            label, folder = folder_label(self.root, file)
            if label is None:
                self.tally.unlabelled_folders[folder or "."] += 1
            elif wanted.setdefault(sha, label) != label:
                self.tally.label_conflicts += 1  # the same bytes in two class folders
        verdicts = record_labels(tx, wanted, LABEL_ORIGIN)
        self.tally.labelled += verdicts["new"]
        self.tally.label_conflicts += verdicts["conflict"]


def open_folder_source(catalog, path: str | os.PathLike,
                       options: CrawlOptions) -> tuple["FolderSource", FolderTally]:
    """The folder as a source recorded in the catalog, with the tally its import fills
    (shared by the local and the Ray import)."""
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise UsageError(f"{path}: not a folder (crawl --source folder PATH takes a folder)")
    tally = FolderTally()
    source = FolderSource(root, tally, options.labels_from_folders)
    with catalog.transaction() as tx:
        source.open(tx)
    return source, tally


def crawl_folder(catalog, path: str | os.PathLike, options: CrawlOptions,
                 on_progress: Callable[[Tally], None] | None = None) -> FolderTally:
    """Bring every image under ``path`` into ``catalog`` (no near-duplicate search)."""
    source, tally = open_folder_source(catalog, path, options)
    crawl_source(catalog, source, FileReader(options.fetch.max_bytes), options, tally,
                 on_progress)
    return tally


def import_folder(catalog, path: str | os.PathLike, options: CrawlOptions | None = None,
                  on_progress: Callable[[Tally], None] | None = None) -> FolderTally:
    """:func:`crawl_folder`, then near-duplicate clusters by ``options.dedup``.

    ``options`` default to the settings (registry defaults < ./config.toml)."""
    options = options or CrawlOptions.from_settings(None, source="folder")
    tally = crawl_folder(catalog, path, options, on_progress)
    deduplicate(catalog, options.dedup)
    return tally
