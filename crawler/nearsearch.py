"""Find every pair of 64-bit hashes within a Hamming distance, without comparing all pairs.

Pigeonhole over blocks: cut the 64 bits into ``m`` blocks. Two hashes that
differ in at most ``k`` bits differ in at most ``k`` blocks, so they agree
exactly on at least ``m - k`` blocks - on one of the C(m, m-k) combinations
of blocks. For each combination, sort the hashes by those blocks' bits and
compare only the hashes that share them; verify each candidate with a
popcount. Every pair within ``k`` is found (recall 1.0 by construction); the
work is C(m, k) sorts plus the candidates, and ``m`` is chosen to make that
smallest for the number of hashes. numpy sorts and popcounts release the
GIL, so combinations run on threads, one per core.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations

import numpy as np

BITS = 64


def block_edges(m: int) -> list[tuple[int, int]]:
    """(low bit, width) of ``m`` contiguous blocks covering the 64 bits, as even as possible."""
    edges = [round(i * BITS / m) for i in range(m + 1)]
    return [(lo, hi - lo) for lo, hi in zip(edges, edges[1:])]


def _cost(n: int, k: int, m: int) -> float:
    """Rough seconds: one sort per combination plus the candidates it yields."""
    keys = math.comb(m, k)
    key_bits = BITS * (m - k) / m
    candidates = n * n / 2 / 2 ** key_bits
    return keys * (n * math.log2(max(n, 2)) * 3e-9 + candidates * 2e-8)


def choose_blocks(n: int, k: int) -> int:
    """The number of blocks that makes a search over ``n`` hashes cheapest."""
    return min(range(k + 1, min(k + 16, BITS) + 1), key=lambda m: _cost(n, k, m))


def near_pairs(hashes: np.ndarray, max_distance: int, query: np.ndarray | None = None,
               workers: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, distance) with i < j for every pair within ``max_distance``.

    ``query``: a boolean mask; only pairs touching at least one marked hash are
    returned (new images against the whole catalog).
    """
    hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
    n = len(hashes)
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64))
    if n < 2:
        return empty
    blocks = block_edges(choose_blocks(n, max_distance))
    keys = [[blocks[b] for b in combo]
            for combo in combinations(range(len(blocks)), len(blocks) - max_distance)]
    workers = workers or min(len(keys), os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        found = list(pool.map(lambda key: _pairs_sharing(hashes, key, max_distance, query),
                              keys))
    codes = np.unique(np.concatenate([f for f in found if len(f)] or [np.empty(0, np.int64)]))
    if not len(codes):
        return empty
    i, j = codes // n, codes % n
    return i, j, np.bitwise_count(hashes[i] ^ hashes[j]).astype(np.int64)


def _sorted_by_key(hashes: np.ndarray, key: list[tuple[int, int]]):
    """(order, key values in that order): the hashes sorted by the bits of ``key``'s blocks.

    The blocks' bits are packed above the index into one uint64 so that a plain
    sort (several times faster than argsort) does the work.
    """
    n = len(hashes)
    index_bits = max(1, int(n - 1).bit_length())
    packed = np.zeros(n, dtype=np.uint64)
    shift = 0
    for low, width in key:
        packed |= ((hashes >> np.uint64(low)) & np.uint64((1 << width) - 1)) << np.uint64(shift)
        shift += width
    if shift + index_bits > BITS:  # too many bits to pack: sort indices instead
        order = np.argsort(packed, kind="stable")
        return order, packed[order]
    packed = (packed << np.uint64(index_bits)) | np.arange(n, dtype=np.uint64)
    packed.sort()
    return (packed & np.uint64((1 << index_bits) - 1)).astype(np.int64), \
        packed >> np.uint64(index_bits)


def _pairs_sharing(hashes: np.ndarray, key: list[tuple[int, int]], k: int,
                   query: np.ndarray | None) -> np.ndarray:
    """Pair codes i*n+j of hashes that agree on ``key``'s blocks and are within ``k``.

    In key order, hashes that share the key sit in one run; position p and p + d
    are in the same run exactly when their keys are equal. So compare every
    position with the one d further, for d = 1, 2, ... until no run is that long:
    no pair list is ever built.
    """
    n = len(hashes)
    order, ordered = _sorted_by_key(hashes, key)
    in_order = hashes[order]  # neighbours in key order sit close in memory
    lefts, rights = [], []
    same = np.flatnonzero(ordered[:-1] == ordered[1:])  # p whose run goes on to p + 1
    d = 1
    while len(same):
        close = same[np.bitwise_count(in_order[same] ^ in_order[same + d]) <= k]
        lefts.append(order[close])
        rights.append(order[close + d])
        d += 1
        # p's run reaches p + d when it reached p + d - 1 and the next key is equal too
        same = same[same + d < n]
        same = same[ordered[same] == ordered[same + d]]
    if not lefts:
        return np.empty(0, np.int64)
    a, b = np.concatenate(lefts), np.concatenate(rights)
    if query is not None:
        touching = query[a] | query[b]
        a, b = a[touching], b[touching]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return lo.astype(np.int64) * n + hi


def brute_force_pairs(hashes: np.ndarray, max_distance: int) -> set[tuple[int, int]]:
    """Every pair within ``max_distance`` by comparing all pairs (for checking only)."""
    hashes = np.asarray(hashes, dtype=np.uint64)
    found = set()
    for i in range(len(hashes) - 1):
        d = np.bitwise_count(hashes[i] ^ hashes[i + 1:])
        found.update((i, i + 1 + int(j)) for j in np.flatnonzero(d <= max_distance))
    return found
