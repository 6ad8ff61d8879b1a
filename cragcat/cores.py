"""How many CPU threads a stage should use when its setting leaves it to cragcat (0)."""

from __future__ import annotations

import os


def spare_cores(requested: int, cores: int | None = None, load: float | None = None) -> int:
    """``requested``, or the cores other work is not using when it is 0 (at least one).

    The busy cores are the 1-minute load average rounded down: it lags, so a load
    under one (the tail of a crawl that just ended, a shell) leaves every core to us,
    while a second OpenMP thread on a core another process keeps busy slowed
    training 4x (bench/RESULTS.md).
    """
    if requested > 0:
        return requested
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
    if load is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1, cores - int(load))
