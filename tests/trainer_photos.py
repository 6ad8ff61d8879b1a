"""Small real JPEG photos of three easy-to-tell classes, written into a real catalog.

Rows are written the way the crawler's ingest writes them (sha256 of the
original bytes, derivative path relative to the store, cluster id), so
training code is tested against the catalog schema before the crawler is in.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import socket
from pathlib import Path

import pytest
import torch
from PIL import Image, ImageDraw

from catalog import open_catalog
from tests.conftest import ROOT

CLASSES = ("glory", "butt", "topo")


def draw_photo(label: str, rng: random.Random, size=(120, 96)) -> Image.Image:
    """glory: sky over rock with a small climber; butt: a big dark shape filling the
    frame from below; topo: grey rock with bright route lines."""
    w, h = size
    jitter = lambda c: tuple(max(0, min(255, v + rng.randint(-25, 25))) for v in c)  # noqa: E731
    if label == "glory":
        image = Image.new("RGB", size, jitter((110, 160, 230)))
        draw = ImageDraw.Draw(image)
        draw.polygon([(0, h), (w, h), (w, rng.randint(h // 3, h // 2)),
                      (0, rng.randint(h // 2, h))], fill=jitter((120, 100, 80)))
        x, y = rng.randint(10, w - 20), rng.randint(h // 2, h - 20)
        draw.ellipse([x, y, x + 8, y + 14], fill=jitter((220, 40, 40)))
    elif label == "butt":
        image = Image.new("RGB", size, jitter((150, 130, 110)))
        draw = ImageDraw.Draw(image)
        cx = w // 2 + rng.randint(-10, 10)
        draw.ellipse([cx - w // 3, h // 4, cx + w // 3, h + h // 2], fill=jitter((40, 40, 60)))
    else:
        image = Image.new("RGB", size, jitter((130, 130, 130)))
        draw = ImageDraw.Draw(image)
        for _ in range(rng.randint(2, 4)):
            x0 = rng.randint(0, w)
            draw.line([(x0, h), (x0 + rng.randint(-30, 30), 0)],
                      fill=jitter((250, 240, 60)), width=3)
        draw.text((rng.randint(0, w - 20), rng.randint(0, h - 12)), str(rng.randint(1, 9)),
                  fill=(255, 255, 255))
    return image


def add_photo(catalog, image: Image.Image, label: str | None, cluster: str | None = None,
              origin: str = "test") -> str:
    """Store ``image`` as original + derivative, insert its images (and labels) row."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    data = buffer.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    store = Path(catalog.store_dir)
    original = Path("originals") / sha[:2] / f"{sha}.jpg"
    derivative = Path("derivatives") / sha[:2] / f"{sha}.jpg"
    for rel in (original, derivative):
        (store / rel).parent.mkdir(parents=True, exist_ok=True)
        (store / rel).write_bytes(data)
    with catalog.transaction() as tx:
        tx.execute("INSERT OR IGNORE INTO images (sha256, bytes, format, width, height, mode, "
                   "cluster_id, is_canonical, original_path, derivative_path) "
                   "VALUES (?, ?, 'JPEG', ?, ?, 'RGB', ?, ?, ?, ?)",
                   [sha, len(data), image.width, image.height, cluster or sha,
                    cluster is None or cluster == sha, str(original), str(derivative)])
        if label is not None:
            tx.execute("INSERT OR REPLACE INTO labels (sha256, label, origin) VALUES (?, ?, ?)",
                       [sha, label, origin])
    return sha


def labelled_catalog(path: Path, per_class: int | dict = 12, seed: int = 0,
                     twins: int = 0) -> Path:
    """A catalog with ``per_class`` labelled photos per class; ``twins`` photos per class
    get a near-duplicate (a slightly brighter copy in the same cluster)."""
    rng = random.Random(seed)
    counts = per_class if isinstance(per_class, dict) else {c: per_class for c in CLASSES}
    with open_catalog(path) as catalog:
        for label, count in counts.items():
            for i in range(count):
                image = draw_photo(label, rng)
                sha = add_photo(catalog, image, label)
                if i < twins:
                    twin = image.point(lambda v: min(255, v + 6))
                    add_photo(catalog, twin, label, cluster=sha)
    return path


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One intra-op thread for a test module: on a 2-core machine shared with other test
    runs, OpenMP's spinning threads make small models many times slower than one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def offline_env(tmp_path: Path) -> tuple[dict, socket.socket]:
    """No network, made real for a child process: every download goes through a proxy
    on a closed loopback port (a bound socket that never listens, kept open by the
    caller) and the Hugging Face hub is offline. Nothing leaves 127.0.0.1."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(http_proxy=proxy, https_proxy=proxy, HTTP_PROXY=proxy, HTTPS_PROXY=proxy,
               HF_HUB_OFFLINE="1", TORCH_HOME=str(tmp_path / "torch"),
               HF_HOME=str(tmp_path / "hf"), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return env, closed
