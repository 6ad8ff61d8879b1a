"""The ground truth of a generated site: manifest.json and labels.csv.

What counts as "the same image" (the deduplicator's contract):

- the same bytes are the same image: one SHA-256, however many URLs serve it
  (``dup_kind`` "exact" marks the copies under other URLs);
- a re-encoded, resized, lightly cropped or watermarked copy of a photo is a
  near duplicate: all photos with one ``dup_group`` form one near-duplicate
  cluster (``expected.near_duplicate_clusters``);
- a topo drawn over a photo (``dup_kind`` "topo_over_photo") is a DIFFERENT
  image from the plain photo, which has its own ``dup_group`` (named in
  ``base_group``): near in pixels, never to be merged.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import imagehash
from PIL import Image, ImageOps

from catalog.classes import CLASSES
from samplesite.guidebook import Area, Route
from samplesite.plan import Shot

FORMAT_VERSION = 1
DEDUP_RULES = ("same bytes = same sha256 = one image; photos sharing a dup_group are one "
               "near-duplicate cluster (re-encoded, resized, cropped, watermarked); a "
               "topo_over_photo is a different image from its base_group's plain photo")


def photo_entry(shot: Shot) -> dict:
    return {
        "path": shot.path, **shot.file, "class": shot.cls, "style": shot.style,
        "dup_group": shot.dup_group, "dup_kind": shot.dup_kind, "base_group": shot.base_group,
        "crawlable": shot.crawlable, "photographer": shot.photographer.name,
        "routes": sorted({s.route.uuid for s in shot.sightings if s.route}),
        "areas": sorted({s.area.uuid for s in shot.sightings if s.area}),
        "sightings": [{"page": s.page, "route": s.route.uuid if s.route else None,
                       "area": s.area.uuid if s.area else None, "caption": s.caption,
                       "credit": s.credit, "licence": s.licence[0]} for s in shot.sightings],
    }


def area_entry(area: Area) -> dict:
    return {"uuid": area.uuid, "name": area.name, "kind": area.kind, "path": area.path,
            "parent": area.parent.uuid if area.parent else None,
            "children": [c.uuid for c in area.children], "routes": [r.uuid for r in area.routes],
            "lat": area.lat, "lng": area.lng}


def route_entry(route: Route, shots: list[Shot]) -> dict:
    pages = sorted({s.page for shot in shots for s in shot.sightings if s.route is route})
    return {"uuid": route.uuid, "name": route.name, "grade": route.grade,
            "grade_system": route.grade_system, "type": route.type, "path": route.path,
            "area": route.area.uuid, "length": route.length, "bolts": route.bolts, "fa": route.fa,
            "description": route.description, "pages": pages,
            "photos": sorted({shot.path for shot in shots for s in shot.sightings if s.route is route})}


def phash(path: Path) -> imagehash.ImageHash:
    with Image.open(path) as img:
        return imagehash.phash(ImageOps.exif_transpose(img).convert("RGB"))


def expected(shots: list[Shot], www: Path) -> dict:
    """What a correct crawl and dedup of the crawlable part should find."""
    crawlable = [s for s in shots if s.crawlable]
    groups: dict[str, dict[str, Shot]] = {}
    for shot in crawlable:
        groups.setdefault(shot.dup_group, {})[shot.file["sha256"]] = shot
    clusters = []
    for group, by_sha in sorted(groups.items()):
        if len(by_sha) < 2:
            continue
        hashes = {sha: phash(www / s.path.lstrip("/")) for sha, s in by_sha.items()}
        first = next(iter(hashes.values()))
        clusters.append({"dup_group": group, "sha256": sorted(by_sha),
                         "max_phash_distance": max(int(h - first) for h in hashes.values())})
    overlays = []
    by_group = {s.dup_group: s for s in crawlable if s.dup_kind == "original"}
    for shot in crawlable:
        if shot.dup_kind == "topo_over_photo":
            plain = by_group[shot.base_group]
            distance = phash(www / shot.path.lstrip("/")) - phash(www / plain.path.lstrip("/"))
            overlays.append({"topo_sha256": shot.file["sha256"], "plain_sha256": plain.file["sha256"],
                             "phash_distance": int(distance)})
    by_class: dict[str, int] = {}
    for sha, shot in {s.file["sha256"]: s for s in crawlable}.items():
        by_class[shot.cls] = by_class.get(shot.cls, 0) + 1
    return {"photo_urls": len(crawlable), "unique_images": len({s.file["sha256"] for s in crawlable}),
            "images_by_class": dict(sorted(by_class.items())), "clusters": len(groups),
            "near_duplicate_clusters": clusters, "topo_overlays": overlays}


def write_labels(path: Path, shots: list[Shot]) -> int:
    """labels.csv: one row per distinct crawlable image of a labelled class."""
    rows = sorted({(s.file["sha256"], s.cls) for s in shots if s.cls in CLASSES and s.crawlable})
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["sha256", "label"])
        writer.writerows(rows)
    return len(rows)


def write_manifest(path: Path, manifest: dict) -> None:
    path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


def load_manifest(site_dir: Path) -> dict:
    return json.loads((Path(site_dir) / "manifest.json").read_text())
