"""`crawl --source folder PATH --engine ray`: a folder import whose CPU work runs on Ray.

The files are listed once into the frontier (as the local import does), then
cut into shards; each shard is one Ray task that reads, examines, hashes and
derives its files with the local import's own per-file step and writes the
originals and derivatives into the catalog's store (on a cluster a path that
every node mounts). A task returns only rows, never pixels; this process
merges each finished shard in one transaction with the local import's own
writer, so the catalog has one writer and a stopped import resumes from the
frontier rows still queued. Near-duplicate search runs after the merge.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Callable

from crawler.dedup import DedupSettings, deduplicate
from crawler.folder import (FolderTally, _enqueue_files, _label_from_folders, _Read, _read,
                            _record)
from crawler.frontier import Frontier, FrontierItem
from crawler.ingest import DEFAULT_MAX_PIXELS, Outcome
from crawler.places import ensure_source
from crawler.runs import finish_run, start_run
from cragcat.errors import UsageError
from cragcat.raycluster import import_ray, ray_cluster

# Shards in flight per CPU of the cluster: enough that no core waits for the merge.
SHARDS_PER_CPU = 2


def examine_shard(items: list[FrontierItem], max_pixels: int, store_dir: str) -> list[_Read]:
    """A Ray task: examine, hash and store every file of a shard; rows without the bytes."""
    reads = [_read(item, frozenset(), max_pixels, Path(store_dir)) for item in items]
    return [replace(r, examined=replace(r.examined, original=b"", derivative=b""))
            if r.examined else r for r in reads]


def import_folder_on_ray(catalog, path: str | os.PathLike, labels_from_folders: bool = False,
                         max_pixels: int = DEFAULT_MAX_PIXELS, max_images: int = 0,
                         shard_size: int = 64, address: str = "",
                         on_item: Callable[[Outcome], None] | None = None,
                         dedup: DedupSettings | None = DedupSettings()) -> FolderTally:
    """Bring every image under ``path`` into ``catalog`` on Ray; the local import's counts."""
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise UsageError(f"{path}: not a folder (crawl --source folder PATH takes a folder)")
    with catalog.transaction() as tx:
        source_id = ensure_source(tx, "folder", str(root), root.as_uri())
    run_id = start_run(catalog, source_id)
    frontier = Frontier(source_id, run_id)
    tally, status = FolderTally(), "interrupted"
    try:
        with ray_cluster(address) as cluster:
            _enqueue_files(catalog, frontier, root)
            queued = frontier.queued(catalog.con, kind="image",
                                     limit=max_images or _count_queued(catalog, source_id))
            shards = [queued[i:i + shard_size] for i in range(0, len(queued), shard_size)]
            _merge_shards(catalog, frontier, tally, shards, max_pixels,
                          max(1, cluster.cpus) * SHARDS_PER_CPU, on_item)
        if labels_from_folders:
            _label_from_folders(catalog, source_id, root, tally)
        if dedup is not None:
            deduplicate(catalog, dedup)
        status = "finished"
    finally:
        finish_run(catalog, run_id, status, tally.figures())
    return tally


def _count_queued(catalog, source_id: int) -> int:
    return int(catalog.scalar("SELECT count(*) FROM pages WHERE source_id = ? AND kind = 'image' "
                              "AND state = 'queued'", [source_id]))


def _merge_shards(catalog, frontier: Frontier, tally: FolderTally, shards: list, max_pixels: int,
                  in_flight: int, on_item) -> None:
    """Keep ``in_flight`` shard tasks running; merge each one as it finishes."""
    ray = import_ray()
    task = ray.remote(num_cpus=1, max_retries=2)(examine_shard)
    store = str(Path(catalog.store_dir).resolve())
    waiting = list(reversed(shards))
    running = []
    while waiting or running:
        while waiting and len(running) < in_flight:
            running.append(task.remote(waiting.pop(), max_pixels, store))
        done, running = ray.wait(running, num_returns=1)
        with catalog.transaction() as tx:
            outcomes = _record(tx, frontier, ray.get(done[0]), tally)
        for outcome in outcomes:
            if on_item:
                on_item(outcome)
