"""The stored train / validation / test split.

Rules: a near-duplicate cluster (``images.cluster_id``) lives in one split only,
so a copy of a test photo can never be trained on; a photo that already has a
split keeps it; a new photo whose cluster already has a split joins it; new
clusters are dealt out per class (by their majority label) so that each
class's split sizes move toward the configured fractions. The order new
clusters are dealt in comes from a hash of the seed and the cluster id, so the
same labels and seed always give the same split.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict

from trainer.labels import LabelledPhoto

SPLITS = ("train", "val", "test")


def assign_splits(catalog, photos: list[LabelledPhoto], fractions: list[float],
                  seed: int) -> tuple[dict[str, str], int]:
    """Give every photo a split (storing new ones); return ({sha256: split}, newly assigned)."""
    stored = dict(catalog.query("SELECT sha256, split FROM splits"))
    cluster_split = _cluster_splits(photos, stored)
    new = _deal_new_clusters(photos, stored, cluster_split, fractions, seed)
    with catalog.transaction() as tx:
        for sha, split in new.items():
            tx.execute("INSERT INTO splits (sha256, split) VALUES (?, ?)", [sha, split])
    stored.update(new)
    return {p.sha256: stored[p.sha256] for p in photos}, len(new)


def _cluster_splits(photos: list[LabelledPhoto], stored: dict[str, str]) -> dict[str, str]:
    """The split each cluster already has (the first stored member's, by split order)."""
    found: dict[str, str] = {}
    for photo in photos:
        split = stored.get(photo.sha256)
        if split is None:
            continue
        held = found.get(photo.cluster)
        if held is None or SPLITS.index(split) > SPLITS.index(held):
            # An old catalog may hold a straddling cluster; test wins, then val,
            # so nothing new is ever trained on next to a held-out twin.
            found[photo.cluster] = split
    return found


def _deal_new_clusters(photos, stored, cluster_split, fractions, seed) -> dict[str, str]:
    new: dict[str, str] = {}
    counts: dict[str, Counter] = defaultdict(Counter)  # class -> split -> photos
    clusters: dict[str, list[LabelledPhoto]] = defaultdict(list)
    for photo in photos:
        if photo.sha256 in stored:
            counts[photo.label][stored[photo.sha256]] += 1
        elif photo.cluster in cluster_split:
            new[photo.sha256] = cluster_split[photo.cluster]
            counts[photo.label][new[photo.sha256]] += 1
        else:
            clusters[photo.cluster].append(photo)
    for cluster in sorted(clusters, key=lambda c: _order(seed, c)):
        members = clusters[cluster]
        label = Counter(p.label for p in members).most_common(1)[0][0]
        split = _neediest(counts[label], fractions, len(members))
        for photo in members:
            new[photo.sha256] = split
            counts[photo.label][split] += 1
    return new


def _order(seed: int, cluster: str) -> str:
    return hashlib.sha256(f"{seed}:{cluster}".encode()).hexdigest()


def _neediest(counts: Counter, fractions: list[float], size: int) -> str:
    """The split furthest below its share once ``size`` more photos are counted.

    From a class's third cluster on, an empty validation or test split comes
    first, so even a small class can be measured.
    """
    total = sum(counts.values()) + size
    if sum(counts.values()) >= 2:
        empty = [s for i, s in enumerate(SPLITS) if fractions[i] > 0 and counts[s] == 0]
        if empty:
            return empty[-1]
    deficits = [fractions[i] * total - counts[s] for i, s in enumerate(SPLITS)]
    return SPLITS[max(range(3), key=lambda i: (deficits[i], -i))]


def split_counts(photos: list[LabelledPhoto], splits: dict[str, str]) -> dict[str, dict[str, int]]:
    """{split: {class: photos}} for the summary and the run's record."""
    table: dict[str, dict[str, int]] = {s: {} for s in SPLITS}
    for photo in photos:
        row = table[splits[photo.sha256]]
        row[photo.label] = row.get(photo.label, 0) + 1
    return table
