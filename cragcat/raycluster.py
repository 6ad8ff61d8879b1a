"""Join a Ray cluster (or start a local one) for the stages that run on Ray.

Ray is an optional extra (``pip install 'cragcat[ray]'``): it is imported here,
when a command asks for ``--engine ray``, so the local engine never needs it.
A runtime this process started is shut down when the block ends; one that was
already running (a test's ``ray.init``, a notebook) is left as it was.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from cragcat.errors import UsageError
from cragcat.extras import require


@dataclass(frozen=True)
class RayCluster:
    """What a stage needs to know to size its Ray work."""

    cpus: int
    gpus: int
    address: str


def import_ray():
    """The ray module, or MissingExtra (one line naming the pip command) without it."""
    require("ray", "--engine ray")
    import ray
    return ray


@contextmanager
def ray_cluster(address: str = "") -> Iterator[RayCluster]:
    """Connect to ``address`` (empty: a local runtime on this machine's cores)."""
    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(address=address or None, logging_level=logging.WARNING,
                     log_to_driver=False, include_dashboard=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise UsageError(f"--address {address}: cannot join the Ray cluster ({exc})") \
                from None
    _quiet_ray_data()
    try:
        resources = ray.cluster_resources()
        yield RayCluster(int(resources.get("CPU", 0)), int(resources.get("GPU", 0)),
                         ray.get_runtime_context().gcs_address)
    finally:
        if started:
            ray.shutdown()


def _quiet_ray_data() -> None:
    """Our own progress bar reports the run; Ray Data's bars would interleave with it."""
    from ray.data import DataContext

    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
