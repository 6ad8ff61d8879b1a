"""Near-duplicate candidate search over 1,000,000 random 64-bit hashes with planted pairs.

    python bench/neardup_search.py            # 1,000,000 hashes, distance 8 (the default)
    python bench/neardup_search.py --n 200000 --distance 6

Prints the seconds crawler.nearsearch needs (threads = cores; wall time, and
CPU time over all threads, which is what an unloaded machine would need), the
recall of
the planted pairs, the recall against brute force on a random subset, and a
ratio against the all-pairs baseline timed on that subset and scaled by n^2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from crawler.nearsearch import brute_force_pairs, choose_blocks, near_pairs  # noqa: E402


def planted_hashes(n: int, pairs: int, distance: int, seed: int):
    """n random hashes, of which ``pairs`` are copies of others with 0..distance bits flipped."""
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True)
    sources = rng.choice(n - pairs, size=pairs, replace=False)
    copies = np.arange(n - pairs, n)
    for source, copy in zip(sources, copies):
        flipped = hashes[source]
        for bit in rng.choice(64, size=rng.integers(0, distance + 1), replace=False):
            flipped ^= np.uint64(1) << np.uint64(bit)
        hashes[copy] = flipped
    return hashes, set(zip(np.minimum(sources, copies).tolist(),
                           np.maximum(sources, copies).tolist()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--distance", type=int, default=8)
    parser.add_argument("--subset", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    hashes, planted = planted_hashes(args.n, args.pairs, args.distance, args.seed)
    print(f"{args.n:,} hashes, {len(planted):,} planted pairs within {args.distance} bits, "
          f"{os.cpu_count()} cores, {choose_blocks(args.n, args.distance)} blocks")
    started, cpu_started = time.perf_counter(), time.process_time()
    i, j, _ = near_pairs(hashes, args.distance)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    found = set(zip(i.tolist(), j.tolist()))
    cores = os.cpu_count() or 1
    print(f"near_pairs: {seconds:.1f} s wall, {cpu:.1f} s CPU over all threads "
          f"(= {cpu / cores:.1f} s on {cores} idle cores), {len(found):,} pairs "
          f"(target < 60 s on 2 cores)")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f}")
    print(f"planted pairs recall: {len(planted & found) / len(planted):.4f} (target 1.0)")

    rng = np.random.default_rng(args.seed + 1)
    subset = np.sort(rng.choice(args.n, size=args.subset, replace=False))
    keep = np.isin(np.arange(args.n), subset)
    # planted partners of the subset, so that the subset holds real near pairs too
    partners = {b for a, b in planted if keep[a]} | {a for a, b in planted if keep[b]}
    subset = np.union1d(subset, np.fromiter(partners, dtype=np.int64))
    started = time.perf_counter()
    truth = {(int(subset[a]), int(subset[b]))
             for a, b in brute_force_pairs(hashes[subset], args.distance)}
    brute_seconds = time.perf_counter() - started
    print(f"brute force on a subset of {len(subset):,}: {len(truth):,} pairs in "
          f"{brute_seconds:.1f} s; recall of near_pairs on them: "
          f"{len(truth & found) / max(1, len(truth)):.4f}")
    scaled = brute_seconds * (args.n / len(subset)) ** 2
    print(f"all-pairs baseline scaled to {args.n:,}: ~{scaled:,.0f} s; "
          f"speed-up {scaled / seconds:,.0f}x")


if __name__ == "__main__":
    main()
