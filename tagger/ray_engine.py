"""`tag-catalog --engine ray`: tag the catalog's photos on a Ray cluster.

The catalog exports the work list (canonical images without a tag from this
model) to Parquet; Ray Data reads it and ``map_batches`` runs one model per
actor (ONNX Runtime on a CPU actor, the CUDA backend on a GPU actor), each
actor decoding the derivatives from the catalog's store (a shared path on a
cluster). The probabilities stream back to this process, which alone writes:
each merged batch of results is one transaction through the local engine's
own ``write_tags``. A run stopped anywhere keeps every merged batch, and the
next run's work list holds only the photos still without a tag, so each
photo is tagged exactly once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from catalog.worklist import export_worklist
from cragcat.raycluster import RayCluster, import_ray, ray_cluster
from tagger.backend import Backend, choose_backend, pick_device
from tagger.loader import DerivativeDataset, Photo, collate_photos
from tagger.model import load_model, photo_transform, pixels_for_model, register_model
from tagger.tagging import (Progress, TagOptions, TagSummary, classes_of_model,
                            commit_results, finish_run, start_run, write_failures, write_tags)

# Results merged per catalog transaction: big enough that a commit's cost vanishes,
# small enough that a stopped run loses little work (it is not lost: it is redone).
# Into a 1M-photo catalog 8192 merge ~3.5x as many results per CPU-second as 1024
# did (bench/catalog_at_scale.py); 8192 are about a second of a 170-core cluster's work.
MERGE_ROWS = 8192

UNTAGGED_SQL = """SELECT i.sha256, i.derivative_path FROM images i
                  WHERE i.is_canonical AND NOT EXISTS
                        (SELECT 1 FROM tags t WHERE t.sha256 = i.sha256 AND t.model_id = ?)
                  ORDER BY i.first_seen, i.sha256"""
EVERY_CANONICAL_SQL = """SELECT sha256, derivative_path FROM images WHERE is_canonical
                         ORDER BY first_seen, sha256"""
ALREADY_TAGGED_SQL = """SELECT count(*) FROM images i JOIN tags t ON t.sha256 = i.sha256
                        WHERE i.is_canonical AND t.model_id = ?"""


@dataclass(frozen=True)
class RayTagOptions:
    """Where and how wide: ``address`` empty starts a local runtime; ``actors`` 0 means
    one per GPU when the cluster has GPUs (and the device allows), else one per CPU but
    one;
    ``merge_rows`` results are merged per catalog transaction."""

    address: str = ""
    actors: int = 0
    merge_rows: int = MERGE_ROWS


class PhotoTagger:
    """A Ray Data actor: one model, loaded once, tags batches of derivatives."""

    def __init__(self, artifact_path: str, store_dir: str, backend: str, device: str):
        if device == "cpu":
            torch.set_num_threads(1)  # one actor per core: more threads only contend
        self.artifact = load_model(None, artifact_path)
        self.device = pick_device(device)
        self.requested = backend
        self.store_dir = Path(store_dir)
        self.transform = photo_transform(self.artifact).to_uint8
        self.backend: Backend | None = None

    def __call__(self, work: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        photos = [Photo(str(s), str(d)) for s, d in zip(work["sha256"], work["derivative_path"])]
        decoded = DerivativeDataset(self.store_dir, photos, self.transform)
        batch = collate_photos([decoded[i] for i in range(len(photos))])
        classes = len(self.artifact.classes)
        probabilities = np.full((len(photos), classes), np.nan, dtype=np.float32)
        reasons = {photo.sha256: reason for photo, reason in batch.failures}
        if batch.pixels is not None:
            pixels = pixels_for_model(batch.pixels, self.artifact, self.device)
            if self.backend is None:
                self.backend = choose_backend(self.artifact.model, self.requested, self.device,
                                              0, pixels)
            rows = [i for i, p in enumerate(photos) if p.sha256 not in reasons]
            probabilities[rows] = self.backend.forward(pixels).numpy()
        return {"sha256": work["sha256"], "probabilities": probabilities,
                "reason": np.array([reasons.get(p.sha256, "") for p in photos], dtype=object),
                "backend": np.array([self.backend.name if self.backend else ""] * len(photos),
                                    dtype=object)}


def _actor_resources(cluster: RayCluster, device: str, actors: int) -> tuple[dict, int, str]:
    """(Ray resources per actor, how many actors, the device they use)."""
    if cluster.gpus and device != "cpu":
        return {"num_gpus": 1}, actors or cluster.gpus, "cuda"
    # One core stays free: actors holding every core starve Ray Data's own tasks (seen
    # as a run that never ends on a 2-core runtime), and this process merges on it.
    return {"num_cpus": 1}, actors or max(1, cluster.cpus - 1), "cpu"


def export_work(catalog, model_id: str, retag: bool, path: Path) -> tuple[int, int]:
    """The work list written to ``path``: (photos to tag, photos skipped as already tagged)."""
    if retag:
        return export_worklist(catalog, EVERY_CANONICAL_SQL, [], path), 0
    pending = export_worklist(catalog, UNTAGGED_SQL, [model_id], path)
    return pending, int(catalog.scalar(ALREADY_TAGGED_SQL, [model_id]))


def merge_results(catalog, summary: TagSummary, results: dict[str, np.ndarray], artifact,
                  threshold: float) -> None:
    """One transaction: the tags and failures of one batch of results."""
    failed = results["reason"] != ""
    tagged = [Photo(str(s), "") for s in results["sha256"][~failed]]
    failures = [(Photo(str(s), ""), str(r))
                for s, r in zip(results["sha256"][failed], results["reason"][failed])]
    def write(tx, replace: bool) -> None:
        if tagged:
            write_tags(tx, summary.run_id, summary.model_id, list(artifact.classes), tagged,
                       torch.from_numpy(np.asarray(results["probabilities"][~failed])),
                       threshold, getattr(artifact, "meta", {}).get("class_thresholds"),
                       replace)
        if failures:
            write_failures(tx, summary.run_id, summary.model_id, failures)
    commit_results(catalog, write)
    summary.tagged += len(tagged)
    summary.failed += len(failures)


def tag_catalog_on_ray(catalog, artifact, options: TagOptions, cluster_options: RayTagOptions,
                       progress: Progress | None = None) -> TagSummary:
    """Tag the catalog's canonical photos with ``artifact`` on Ray; see the module docstring."""
    threshold = artifact.threshold if options.threshold is None else options.threshold
    register_model(catalog, artifact)
    with ray_cluster(cluster_options.address) as cluster:
        resources, actors, device = _actor_resources(cluster, options.device,
                                                     cluster_options.actors)
        summary = TagSummary(start_run(catalog, artifact.model_id, options, threshold,
                                       torch.device(device), actors, 1), artifact.model_id)
        work = Path(catalog.store_dir) / "work" / f"tag-run-{summary.run_id}.parquet"
        pending, summary.skipped = export_work(catalog, artifact.model_id, options.retag, work)
        backend, started, status = "", time.perf_counter(), "interrupted"
        try:
            if pending:
                results = _tagged_batches(work, artifact, catalog.store_dir, options, resources,
                                          min(actors, pending), device,
                                          cluster_options.merge_rows)
                for batch in results:
                    merge_results(catalog, summary, batch, artifact, threshold)
                    backend = backend or next((b for b in batch["backend"] if b), "")
                    if progress is not None:
                        progress.advance(len(batch["sha256"]))
            status = "finished"
        finally:
            work.unlink(missing_ok=True)
            summary.seconds = time.perf_counter() - started
            summary.by_class = classes_of_model(catalog, artifact.model_id)
            summary.backend = f"ray:{backend}" if backend else "ray: nothing to tag"
            finish_run(catalog, summary, status, Backend(
                summary.backend, torch.device(device), None,
                {"actors": actors, "cluster_cpus": cluster.cpus, "cluster_gpus": cluster.gpus}))
    return summary


def _tagged_batches(work: Path, artifact, store_dir, options: TagOptions, resources: dict,
                    actors: int, device: str, merge_rows: int):
    """Ray Data: read the work list, tag it on ``actors`` actors, stream results back."""
    ray = import_ray()
    # Reading the list is light: a task that asked for a core would wait for the
    # actors, which hold every core and wait for it.
    photos = ray.data.read_parquet(str(work), ray_remote_args={"num_cpus": 0})
    tagged = photos.map_batches(
        PhotoTagger, batch_size=options.batch_size, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=actors),
        fn_constructor_kwargs={"artifact_path": str(artifact.path),
                               "store_dir": str(Path(store_dir).resolve()),
                               "backend": options.backend, "device": device},
        **resources)
    return tagged.iter_batches(batch_size=merge_rows, batch_format="numpy")
