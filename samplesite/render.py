"""Paint a job's picture and write all its files (runs in worker processes)."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from samplesite.encoding import encode, variant
from samplesite.photos import draw_routes, paint
from samplesite.plan import Task


def job_random(seed: int, key: str) -> random.Random:
    return random.Random(f"samplesite:{seed}:{key}")


def render_job(job: Task, seed: int, www: Path) -> dict[str, dict]:
    """Write every output of ``job`` under ``www``; file facts by URL path."""
    r = job_random(seed, job.key)
    picture = paint(job.cls, job.style, job.size[0], job.size[1], r)
    facts: dict[str, dict] = {}
    original = b""
    for path, kind, encoding, credit in job.outputs:
        if kind == "original":
            data, size, enc = encode(picture, encoding), picture.size, encoding
            original = data
        elif kind == "exact":
            data, size, enc = original, picture.size, job.encoding
        elif kind == "topo_over_photo":
            topo = picture.copy()
            draw_routes(topo, r, hand=False, bold=True)  # thin lines would look like a copy
            data, size, enc = encode(topo, encoding), topo.size, encoding
        else:
            img, enc = variant(picture, kind, r, credit)
            data, size = encode(img, enc), img.size
        target = www / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        facts[path] = {"sha256": hashlib.sha256(data).hexdigest(), "width": size[0],
                       "height": size[1], "format": enc.format, "mode": enc.mode,
                       "orientation": enc.orientation, "bytes": len(data)}
    return facts


def render_jobs(args: tuple[list[Task], int, str]) -> dict[str, dict]:
    """One worker's share: a batch of jobs."""
    jobs, seed, www = args
    facts: dict[str, dict] = {}
    for job in jobs:
        facts.update(render_job(job, seed, Path(www)))
    return facts

