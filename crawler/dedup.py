"""Near-duplicate clusters: candidates by pHash distance, confirmed by the pixel check.

Exact duplicates never get this far (one row per SHA-256). For images not
yet searched, :func:`deduplicate` finds every catalog image within
``max_distance`` bits of pHash (crawler.nearsearch: no all-pairs loop),
confirms or refuses each candidate pair with crawler.compare (a topo drawn
over a photo is refused: its lines change many cells, or few cells along a
long thin stroke), keeps every verdict in ``near_duplicates``, and
groups the confirmed pairs into clusters. A cluster's canonical image is the
largest (pixels, then bytes), then the earliest seen; ``cluster_id`` is its
SHA-256.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from crawler.compare import Edits, edits
from crawler.nearsearch import near_pairs


@dataclass(frozen=True)
class DedupSettings:
    """From dedup.max_distance and dedup.max_edited_cells (their meaning is there)."""

    max_distance: int
    max_edited_cells: int

    @classmethod
    def from_settings(cls, settings) -> "DedupSettings":
        return cls(settings["dedup.max_distance"], settings["dedup.max_edited_cells"])


@dataclass(frozen=True)
class Verdict:
    sha_a: str
    sha_b: str
    distance: int
    edited_cells: int | None
    merged: bool
    reason: str


@dataclass
class DedupReport:
    searched: int = 0        # images searched against the catalog this time
    merged_pairs: int = 0    # new pairs confirmed as near-duplicates
    kept_apart: int = 0      # new pairs with close hashes refused by the pixel check
    clustered_images: int = 0  # images whose cluster changed


def deduplicate(catalog, settings: DedupSettings) -> DedupReport:
    rows = catalog.query("SELECT sha256, phash, dedup_checked FROM images "
                         "WHERE phash IS NOT NULL ORDER BY sha256")
    report = DedupReport(searched=sum(1 for r in rows if not r[2]))
    if not report.searched:
        return report
    shas = [r[0] for r in rows]
    hashes = np.array([r[1] for r in rows], dtype=np.uint64)
    fresh = np.array([not r[2] for r in rows])
    i, j, d = near_pairs(hashes, settings.max_distance, query=fresh)
    verdicts = _judge(catalog, [(shas[a], shas[b], int(k)) for a, b, k in zip(i, j, d)],
                      settings)
    with catalog.transaction() as tx:
        for v in verdicts:
            tx.execute("INSERT INTO near_duplicates (sha256_a, sha256_b, distance, edited_cells,"
                       " merged, reason) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       [v.sha_a, v.sha_b, v.distance, v.edited_cells, v.merged, v.reason])
        tx.execute("UPDATE images SET dedup_checked = TRUE WHERE NOT dedup_checked")
        report.clustered_images = _recluster(tx)
    report.merged_pairs = sum(v.merged for v in verdicts)
    report.kept_apart = len(verdicts) - report.merged_pairs
    return report


def _judge(catalog, pairs: list[tuple[str, str, int]], settings: DedupSettings) -> list[Verdict]:
    """The pixel check on every candidate pair (derivatives decoded on worker threads)."""
    if not pairs:
        return []
    paths = dict(catalog.query("SELECT sha256, derivative_path FROM images WHERE sha256 IN "
                               "(SELECT unnest(?))", [sorted({s for p in pairs for s in p[:2]})]))

    def judge(pair: tuple[str, str, int]) -> Verdict:
        a, b, distance = pair
        try:
            with Image.open(Path(catalog.store_dir) / paths[a]) as pa, \
                    Image.open(Path(catalog.store_dir) / paths[b]) as pb:
                found = edits(pa, pb)
        except (OSError, KeyError):
            return Verdict(a, b, distance, None, False, "unreadable")
        merged = found.is_copy(settings.max_edited_cells)
        return Verdict(a, b, distance, found.cells, merged, _reason(found, settings))

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(judge, pairs))


def _reason(found: Edits, settings: DedupSettings) -> str:
    if found.cells > settings.max_edited_cells:
        return "edited"
    return "drawn-line" if found.strokes else "near-duplicate"


def _recluster(tx) -> int:
    """Connected components of the merged pairs; write cluster ids that changed."""
    edges = tx.execute("SELECT sha256_a, sha256_b FROM near_duplicates WHERE merged").fetchall()
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for sha in list(parent):
        members.setdefault(root(sha), []).append(sha)
    changed = 0
    for group in members.values():
        changed += _write_cluster(tx, group)
    return changed


def _write_cluster(tx, group: list[str]) -> int:
    rows = tx.execute("SELECT sha256, width * height, bytes, first_seen, cluster_id, "
                      "is_canonical FROM images WHERE sha256 IN (SELECT unnest(?))",
                      [group]).fetchall()
    # canonical: the largest picture (pixels, then bytes: the least compressed copy),
    # then the earliest seen, then the smallest SHA-256
    canonical = min(rows, key=lambda r: (-r[1], -r[2], r[3], r[0]))[0]
    changed = 0
    for sha, _, _, _, cluster_id, is_canonical in rows:
        if cluster_id != canonical or is_canonical != (sha == canonical):
            tx.execute("UPDATE images SET cluster_id = ?, is_canonical = ? WHERE sha256 = ?",
                       [canonical, sha == canonical, sha])
            changed += 1
    return changed
