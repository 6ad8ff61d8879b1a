"""Tag every canonical photo that has no tag from a model yet.

Near-duplicates are not tagged themselves: they take their canonical image's
tag through ``images.cluster_id`` (see the ``photo_tags`` view), so each
canonical image holds exactly one tag row per model. Each batch is committed
on its own, so a killed run keeps what it did and the next run continues.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import duckdb
import torch

from catalog.classes import OTHER
from cragcat.cores import spare_cores
from cragcat.settings import load_settings
from tagger.backend import Backend, choose_backend, pick_device
from tagger.covers import BUTT_CAPTION_CUES, CoverSafety
from tagger.loader import Batch, Photo, photo_loader
from tagger.model import photo_transform, pixels_for_model, register_model

CUDA_MIN_WORKERS = 8


class Progress(Protocol):
    def advance(self, n: int = 1) -> None: ...


def kept_folder(setting: str) -> Path | None:
    """tag.kept_exports as a folder, None when empty."""
    return Path(setting).expanduser() if setting else None


@dataclass
class TagOptions:
    """How to tag, from the tag.* and cover.* settings (the registry holds every
    default: build it with :meth:`from_settings`); ``threshold`` None means the
    artifact's own."""

    threshold: float | None
    retag: bool
    batch_size: int
    workers: int
    threads: int
    backend: str
    device: str
    cover_licences: tuple[str, ...]   # which photos may be covers (cover.licences)
    cover_safety: CoverSafety         # what a glory tag needs to be a cover
    keep_reports_from: int = 250_000  # photos from which the reports are kept (report.keep_from)
    kept_exports: str = ""            # folder for checked ONNX exports ("": none)

    @classmethod
    def from_settings(cls, settings=None, **fields: Any) -> "TagOptions":
        """From resolved settings (default: the registry's defaults < ./config.toml);
        keyword arguments replace single fields, as a test or a benchmark needs."""
        settings = settings or load_settings()
        built = dict(threshold=settings["tag.threshold"] or None, retag=settings["tag.retag"],
                     batch_size=settings["tag.batch_size"], workers=settings["tag.workers"],
                     threads=settings["tag.threads"], backend=settings["tag.backend"],
                     device=settings["tag.device"],
                     cover_licences=tuple(settings["cover.licences"]),
                     cover_safety=cover_safety(settings),
                     keep_reports_from=settings["report.keep_from"],
                     kept_exports=settings["tag.kept_exports"])
        return cls(**{**built, **fields})


def cover_safety(settings) -> CoverSafety:
    """The cover rule's extra checks from the tag.cover_* settings."""
    return CoverSafety(min_glory=settings["tag.cover_min_glory"],
                       max_butt=settings["tag.cover_max_butt"],
                       min_margin=settings["tag.cover_min_margin"],
                       caption_cues=BUTT_CAPTION_CUES if settings["tag.cover_caption_cues"]
                       else ())


@dataclass
class TagSummary:
    run_id: int
    model_id: str
    tagged: int = 0
    skipped: int = 0
    failed: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    backend: str = ""
    seconds: float = 0.0

    @property
    def photos_per_second(self) -> float:
        return round((self.tagged + self.failed) / self.seconds, 1) if self.seconds else 0.0


def photos_to_tag(catalog, model_id: str, retag: bool) -> tuple[list[Photo], int]:
    """Canonical photos this run tags, and how many already have a tag (skipped)."""
    if retag:
        rows = catalog.query("SELECT sha256, derivative_path FROM images WHERE is_canonical "
                             "ORDER BY first_seen, sha256")
        return [Photo(*r) for r in rows], 0
    rows = catalog.query(
        """SELECT i.sha256, i.derivative_path FROM images i
           WHERE i.is_canonical AND NOT EXISTS
                 (SELECT 1 FROM tags t WHERE t.sha256 = i.sha256 AND t.model_id = ?)
           ORDER BY i.first_seen, i.sha256""", [model_id])
    skipped = catalog.scalar(
        """SELECT count(*) FROM images i JOIN tags t ON t.sha256 = i.sha256
           WHERE i.is_canonical AND t.model_id = ?""", [model_id])
    return [Photo(*r) for r in rows], int(skipped)


def verdicts(probabilities: torch.Tensor, classes: list[str], threshold: float,
             class_thresholds: dict[str, float] | None = None):
    """(class, confidence) per row: the top class, or 'other' under the threshold.

    ``class_thresholds`` makes some classes stricter (the artifact's glory guard:
    a butt-shot the model takes for glory should come out other, never glory).
    """
    strict = class_thresholds or {}
    confidence, top = probabilities.max(dim=1)
    return [(classes[i] if c >= max(threshold, strict.get(classes[i], 0.0)) else OTHER, c)
            for i, c in zip(top.tolist(), confidence.tolist())]


def write_tags(tx, run_id: int, model_id: str, classes: list[str], photos: list[Photo],
               probabilities: torch.Tensor, threshold: float,
               class_thresholds: dict[str, float] | None = None,
               replace: bool = True) -> list[str]:
    """Insert one tag per photo in one statement (``replace``: or replace the photo's
    tag from this model); returns the classes."""
    chosen = verdicts(probabilities, classes, threshold, class_thresholds)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    tx.execute(
        f"""{verb} INTO tags
               (sha256, model_id, status, class, confidence, probabilities, reason, run_id)
           SELECT s, ?, 'tagged', k, c, map(?::VARCHAR[], p), NULL, ?
           FROM (SELECT unnest(?::VARCHAR[]) AS s, unnest(?::VARCHAR[]) AS k,
                        unnest(?::DOUBLE[]) AS c, unnest(?::DOUBLE[][]) AS p)""",
        [model_id, classes, run_id, [p.sha256 for p in photos], [k for k, _ in chosen],
         [c for _, c in chosen], probabilities.tolist()])
    return [k for k, _ in chosen]


def commit_results(catalog, write: Callable[[Any, bool], None]) -> None:
    """One batch of results in one transaction: ``write(tx, replace)``. The work list
    holds photos without a tag from this model, so a plain INSERT writes them: at ten
    million tags INSERT OR REPLACE checks each key against the whole table (about 0.7 s
    per 1,024 random keys against 0.05 s, bench/RESULTS.md). A batch that meets a tag
    after all (--retag, a Ray task run twice) is written again, replacing."""
    try:
        with catalog.transaction() as tx:
            write(tx, False)
    except duckdb.ConstraintException:
        with catalog.transaction() as tx:
            write(tx, True)


def write_failures(tx, run_id: int, model_id: str, failures: list[tuple[Photo, str]]) -> None:
    tx.execute(
        """INSERT OR REPLACE INTO tags (sha256, model_id, status, reason, run_id)
           SELECT s, ?, 'failed', r, ? FROM (SELECT unnest(?::VARCHAR[]) AS s,
                                                    unnest(?::VARCHAR[]) AS r)""",
        [model_id, run_id, [p.sha256 for p, _ in failures], [r for _, r in failures]])


def start_run(catalog, model_id: str, options: TagOptions, threshold: float, device,
              workers: int, threads: int) -> int:
    with catalog.transaction() as tx:
        # The catalog admits one writer, so a run still 'running' was killed.
        tx.execute("UPDATE tag_runs SET status = 'interrupted' WHERE status = 'running'")
        return tx.execute(
            """INSERT INTO tag_runs (model_id, status, retag, threshold, device, batch_size,
                                     workers, threads) VALUES (?, 'running', ?, ?, ?, ?, ?, ?)
               RETURNING run_id""",
            [model_id, options.retag, threshold, device.type, options.batch_size,
             workers, threads]).fetchone()[0]


def finish_run(catalog, summary: TagSummary, status: str, backend: Backend | None) -> None:
    counts = {"tagged": summary.tagged, "skipped": summary.skipped, "failed": summary.failed,
              "by_class": summary.by_class, "seconds": round(summary.seconds, 3)}
    with catalog.transaction() as tx:
        tx.execute("""UPDATE tag_runs SET status = ?, finished_at = current_timestamp,
                          backend = ?, backend_timings = ?, counts = ? WHERE run_id = ?""",
                   [status, backend.name if backend else None,
                    json.dumps(backend.timings) if backend else None, json.dumps(counts),
                    summary.run_id])


def classes_of_model(catalog, model_id: str) -> dict[str, int]:
    rows = catalog.query("""SELECT class, count(*) FROM tags WHERE model_id = ?
                            AND status = 'tagged' GROUP BY class ORDER BY class""", [model_id])
    return {k: n for k, n in rows}


def _tag_batch(catalog, summary: TagSummary, batch: Batch, pixels: torch.Tensor | None,
               backend: Backend, artifact, threshold: float) -> None:
    probabilities = backend.forward(pixels) if pixels is not None else None

    def write(tx, replace: bool) -> None:
        if batch.photos:
            write_tags(tx, summary.run_id, summary.model_id, list(artifact.classes),
                       batch.photos, probabilities, threshold,
                       getattr(artifact, "meta", {}).get("class_thresholds"), replace)
        if batch.failures:
            write_failures(tx, summary.run_id, summary.model_id, batch.failures)
    commit_results(catalog, write)
    summary.tagged += len(batch.photos)
    summary.failed += len(batch.failures)


def decode_workers(requested: int, device) -> int:
    """A GPU outruns one decoding process many times over: give it most of the cores."""
    if device.type == "cuda":
        return max(requested, min(CUDA_MIN_WORKERS, (os.cpu_count() or 2) - 1))
    return requested


def tag_catalog(catalog, artifact, options: TagOptions, progress: Progress | None = None,
                ) -> TagSummary:
    """Tag the catalog's canonical photos with ``artifact``; see the module docstring."""
    threshold = artifact.threshold if options.threshold is None else options.threshold
    device = pick_device(options.device)
    register_model(catalog, artifact)
    workers = decode_workers(options.workers, device)
    if device.type == "cpu":
        torch.set_num_threads(spare_cores(options.threads))
    photos, skipped = photos_to_tag(catalog, artifact.model_id, options.retag)
    summary = TagSummary(start_run(catalog, artifact.model_id, options, threshold, device,
                                   workers, torch.get_num_threads()),
                         artifact.model_id, skipped=skipped)
    loader = photo_loader(catalog.store_dir, photos, photo_transform(artifact).to_uint8,
                          options.batch_size, workers, pin_memory=device.type == "cuda")
    backend, started, status = None, time.perf_counter(), "interrupted"
    try:
        for batch in loader:
            pixels = (pixels_for_model(batch.pixels, artifact, device)
                      if batch.pixels is not None else None)
            if backend is None and pixels is not None:
                backend = choose_backend(artifact.model, options.backend, device, len(photos),
                                         pixels, kept_folder(options.kept_exports))
            _tag_batch(catalog, summary, batch, pixels, backend, artifact, threshold)
            if progress is not None:
                progress.advance(len(batch.photos) + len(batch.failures))
        status = "finished"
    finally:
        summary.seconds = time.perf_counter() - started
        summary.by_class = classes_of_model(catalog, artifact.model_id)
        summary.backend = backend.name if backend else "none: nothing to tag"
        finish_run(catalog, summary, status, backend)
    return summary


def summary_figures(summary: TagSummary) -> dict[str, Any]:
    return {"tagged": summary.tagged, "skipped": summary.skipped, "failed": summary.failed,
            "by_class": summary.by_class, "model_id": summary.model_id,
            "backend": summary.backend, "photos_per_second": summary.photos_per_second}
