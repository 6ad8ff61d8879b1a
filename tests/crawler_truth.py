"""What a correct crawl of a sample site holds, from its manifest (the ground truth)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

GOOD_ANIMATION = "/media/bad/send.gif"  # an animated GIF is kept: its first frame


def crawlable(manifest: dict) -> list[dict]:
    return [p for p in manifest["photos"] if p["crawlable"]]


def animation_sha(site_dir) -> str:
    return hashlib.sha256((site_dir / "www" / GOOD_ANIMATION.lstrip("/")).read_bytes()).hexdigest()


def expected_images(manifest: dict, site_dir) -> set[str]:
    return {p["sha256"] for p in crawlable(manifest)} | {animation_sha(site_dir)}


def expected_html_sightings(manifest: dict) -> set[tuple]:
    """(sha256, page path, route uuid, area uuid) - a route sighting names no area."""
    found = set()
    for photo in crawlable(manifest):
        for s in photo["sightings"]:
            found.add((photo["sha256"], s["page"], s["route"], None if s["route"] else s["area"]))
    return found


def html_sightings(catalog) -> set[tuple]:
    rows = catalog.query("""SELECT s.sha256, s.page_url, r.external_id, a.external_id
                            FROM sightings s LEFT JOIN routes r ON r.route_id = s.route_id
                            LEFT JOIN areas a ON a.area_id = s.area_id""")
    return {(sha, urlsplit(page).path, route, area) for sha, page, route, area in rows}


def expected_openbeta_sightings(manifest: dict, media_base: str = "/media") -> set[tuple]:
    """(sha256, 'climb' or 'area', uuid) for every photo the API exposes."""
    found = set()
    for photo in crawlable(manifest):
        if not photo["path"].startswith(media_base + "/"):
            continue
        for s in photo["sightings"]:
            found.add((photo["sha256"], "climb", s["route"]) if s["route"]
                      else (photo["sha256"], "area", s["area"]))
    return found


def openbeta_sightings(catalog) -> set[tuple]:
    rows = catalog.query("""SELECT s.sha256, r.external_id, a.external_id FROM sightings s
                            LEFT JOIN routes r ON r.route_id = s.route_id
                            LEFT JOIN areas a ON a.area_id = s.area_id""")
    return {(sha, "climb", route) if route else (sha, "area", area) for sha, route, area in rows}


def same_cluster_pairs(groups) -> set[tuple[str, str]]:
    pairs = set()
    for group in groups:
        members = sorted(group)
        pairs |= {(a, b) for i, a in enumerate(members) for b in members[i + 1:]}
    return pairs


def true_pairs(manifest: dict) -> set[tuple[str, str]]:
    groups: dict[str, set] = {}
    for photo in crawlable(manifest):
        groups.setdefault(photo["dup_group"], set()).add(photo["sha256"])
    return same_cluster_pairs(groups.values())


def catalog_pairs(catalog) -> set[tuple[str, str]]:
    groups: dict[str, set] = {}
    for sha, cluster in catalog.query("SELECT sha256, cluster_id FROM images"):
        groups.setdefault(cluster, set()).add(sha)
    return same_cluster_pairs(groups.values())
