"""Build small real catalogs for the tagger's tests: areas, routes, photos whose
derivatives are real JPEG files, and a tiny real torch model that tells the
classes apart by colour (red = glory, green = butt, blue = topo)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import torch
from PIL import Image

CLASSES = ["glory", "butt", "topo"]
COLOURS = {"glory": (230, 20, 20), "butt": (20, 230, 20), "topo": (20, 20, 230),
           "unsure": (200, 200, 20)}


class ColourNet(torch.nn.Module):
    """Mean colour -> class logits; sharp enough that pure colours are confident."""

    def __init__(self, scale: float = 4.0):
        super().__init__()
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.head = torch.nn.Linear(3, 3)
        with torch.no_grad():
            self.head.weight.copy_(torch.eye(3) * scale)
            self.head.bias.zero_()

    def forward(self, x):
        return self.head(self.pool(x).flatten(1))


@dataclass
class ColourArtifact:
    """The fields of trainer.artifact.Artifact the tagger uses."""

    model: torch.nn.Module = field(default_factory=lambda: ColourNet().eval())
    classes: list = field(default_factory=lambda: list(CLASSES))
    threshold: float = 0.9
    image_size: int = 32
    mean: tuple = (0.5, 0.5, 0.5)
    std: tuple = (0.5, 0.5, 0.5)
    interpolation: str = "bilinear"
    backbone: str = "colournet"
    model_id: str = "c0ffee" * 10 + "c0ffee00"
    metrics: dict = field(default_factory=dict)


def sha_of(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def add_area(tx, area_id: int, name: str, parent: int | None = None) -> int:
    tx.execute("INSERT OR IGNORE INTO sources (source_id, kind, name) VALUES (1, 'html', 'test')")
    tx.execute("INSERT INTO areas (area_id, source_id, external_id, name, parent_id, path) "
               "VALUES (?, 1, ?, ?, ?, ?)", [area_id, f"a{area_id}", name, parent, name])
    return area_id


def add_route(tx, route_id: int, area_id: int | None, name: str) -> int:
    tx.execute("INSERT INTO routes (route_id, source_id, external_id, area_id, name, grade) "
               "VALUES (?, 1, ?, ?, ?, '6a')", [route_id, f"r{route_id}", area_id, name])
    return route_id


def add_photo(catalog, tx, name: str, colour: str = "glory", size=(1200, 800),
              cluster: str | None = None, corrupt: bool = False, sharpness: float = 200.0,
              ) -> str:
    """A real derivative file and its images row; ``cluster`` names the canonical photo."""
    sha = sha_of(name)
    relative = f"derivatives/{sha[:2]}/{sha}.jpg"
    path = Path(catalog.store_dir) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if corrupt:
        path.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    else:
        w, h = size
        scale = 256 / min(w, h)
        Image.new("RGB", (round(w * scale), round(h * scale)), COLOURS[colour]).save(
            path, quality=90)
    canonical = cluster is None
    tx.execute("""INSERT INTO images (sha256, bytes, format, width, height, mode, cluster_id,
                  is_canonical, original_path, derivative_path, sharpness)
                  VALUES (?, 1000, 'JPEG', ?, ?, 'RGB', ?, ?, ?, ?, ?)""",
               [sha, size[0], size[1], sha_of(cluster) if cluster else sha, canonical,
                relative, relative, sharpness])
    return sha


def add_sighting(tx, sha: str, route_id: int | None, area_id: int | None,
                 caption: str = "", votes: int | None = None, credit: str = "") -> None:
    key = hashlib.sha256(f"{sha}{route_id}{area_id}{caption}".encode()).hexdigest()
    tx.execute("""INSERT INTO sightings (sighting_key, sha256, source_id, image_url, page_url,
                  area_id, route_id, caption, credit, votes)
                  VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)""",
               [key, sha, f"http://127.0.0.1/img/{sha[:8]}.jpg",
                f"http://127.0.0.1/route/{route_id}", area_id, route_id, caption, credit, votes])
