"""`crawl --source folder PATH --engine ray`: a folder import whose CPU work runs on Ray.

The folder source seeds the frontier as the local import does (every file an
image reference, listed once), then the queued files are cut into shards;
each shard is one Ray task that reads, hashes, examines and derives its files
with the ingest's own ``examine_and_store``, writing the originals and
derivatives into the catalog's store (on a cluster a path every node mounts).
A task returns rows, never pixels. This process commits each finished shard
in one transaction through the crawl engine's own commit, so the catalog has
one writer and a stopped import resumes from the frontier rows still queued.
Near-duplicate search runs after the merge (crawler.harvest, as for any crawl).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import httpx

from crawler.engine import Engine, _Failed, _ImageDone
from crawler.fetch import Fetched
from crawler.folder import FolderTally, file_of, open_folder_source
from crawler.frontier import Frontier, FrontierItem
from crawler.ingest import ImageRejected, examine_and_store, sha256_of
from crawler.options import CrawlOptions
from crawler.runs import finish_run, start_run
from crawler.tally import Tally
from cragcat.raycluster import import_ray, ray_cluster

# Shards in flight per CPU of the cluster: enough that no core waits for a commit.
SHARDS_PER_CPU = 2


def examine_file(item: FrontierItem, max_pixels: int, store_dir: str):
    """One file, as the engine's image step does it: a done image or a failure."""
    try:
        data = file_of(item.url).read_bytes()
    except OSError as exc:
        return _Failed(item, "unreadable", exc.strerror or str(exc))
    sha = sha256_of(data)
    try:
        examined, paths = examine_and_store(data, None, max_pixels, store_dir)
    except ImageRejected as exc:
        return _Failed(item, exc.reason, exc.detail, 200, sha256=sha)
    return _ImageDone(item, Fetched(item.url, 200, httpx.Headers(), b""), sha, examined, paths)


def examine_shard(items: list[FrontierItem], max_pixels: int, store_dir: str) -> list:
    """A Ray task: every file of a shard."""
    return [examine_file(item, max_pixels, store_dir) for item in items]


def crawl_folder_on_ray(catalog, path: str | os.PathLike, options: CrawlOptions,
                        on_progress: Callable[[Tally], None] | None = None) -> FolderTally:
    """Bring every image under ``path`` into ``catalog`` on Ray (no near-duplicate search)."""
    source, tally = open_folder_source(catalog, path, options)
    run_id = start_run(catalog, source.source_id)
    frontier = Frontier(source.source_id, run_id)
    # The engine as the writer only: its commit records images, sightings and failures.
    writer = Engine(catalog, source, frontier, None, options.budget, tally, on_progress)
    status = "interrupted"
    try:
        with ray_cluster(options.ray_address) as cluster:
            with catalog.transaction() as tx:
                source.seed(tx, frontier)
            _commit_shards(catalog, writer, _shards(catalog, frontier, options),
                           options.budget.max_pixels, max(1, cluster.cpus) * SHARDS_PER_CPU)
        with catalog.transaction() as tx:
            source.finish(tx)
        status = "finished"
    finally:
        finish_run(catalog, run_id, status, tally.figures())
    return tally


def _shards(catalog, frontier: Frontier, options: CrawlOptions) -> list[list[FrontierItem]]:
    queued = int(catalog.scalar("SELECT count(*) FROM pages WHERE source_id = ? AND "
                                "kind = 'image' AND state = 'queued'", [frontier.source_id]))
    items = frontier.queued(catalog.con, kind="image",
                            limit=min(queued, options.budget.max_images or queued))
    size = options.ray_shard
    return [items[i:i + size] for i in range(0, len(items), size)]


def _commit_shards(catalog, writer: Engine, shards: list, max_pixels: int,
                   in_flight: int) -> None:
    """Keep ``in_flight`` shard tasks running; commit each one as it finishes."""
    ray = import_ray()
    task = ray.remote(num_cpus=1, max_retries=2)(examine_shard)
    store = str(Path(catalog.store_dir).resolve())
    waiting, running = list(reversed(shards)), []
    while waiting or running:
        while waiting and len(running) < in_flight:
            running.append(task.remote(waiting.pop(), max_pixels, store))
        done, running = ray.wait(running, num_returns=1)
        writer._commit(ray.get(done[0]))
        writer.on_progress(writer.tally)
