"""Near-duplicate candidate search: every pair within the distance, as brute force finds."""

import numpy as np
import pytest

from crawler.nearsearch import block_edges, brute_force_pairs, choose_blocks, near_pairs


def planted(n: int, pairs: int, max_flip: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True)
    copies = []
    for source in rng.integers(0, n, size=pairs):
        flipped = hashes[source]
        for bit in rng.choice(64, size=rng.integers(0, max_flip + 1), replace=False):
            flipped ^= np.uint64(1) << np.uint64(bit)
        copies.append(flipped)
    return np.concatenate([hashes, np.array(copies, dtype=np.uint64)])


@pytest.mark.parametrize("k", [0, 3, 8, 10])
def test_same_pairs_as_brute_force(k):
    hashes = planted(3000, 60, k + 2, seed=k)
    i, j, d = near_pairs(hashes, k)
    assert set(zip(i.tolist(), j.tolist())) == brute_force_pairs(hashes, k)
    assert (d <= k).all() and (i < j).all()


def test_the_query_mask_keeps_only_pairs_touching_new_hashes():
    hashes = planted(2000, 100, 6, seed=1)
    fresh = np.zeros(len(hashes), bool)
    fresh[-50:] = True
    i, j, _ = near_pairs(hashes, 8, query=fresh)
    every = brute_force_pairs(hashes, 8)
    assert set(zip(i.tolist(), j.tolist())) == {(a, b) for a, b in every if fresh[a] or fresh[b]}


def test_blocks_cover_all_bits_and_fewer_than_two_hashes_give_nothing():
    for m in range(1, 20):
        edges = block_edges(m)
        assert sum(w for _, w in edges) == 64 and edges[0][0] == 0
    assert 8 < choose_blocks(1_000_000, 8) <= 24
    assert all(len(a) == 0 for a in near_pairs(np.array([5], dtype=np.uint64), 8))
