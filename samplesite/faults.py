"""Fault injection: named plans of how often the server misbehaves, and how.

Whether a request is faulted is a pure function of (seed, plan, path, how
many times this path was asked for before), so a crawl against the same site
meets the same faults in the same places. A path is faulted at most
``max_per_path`` times: a crawler that retries gets it in the end.

Plans (``--faults NAME``):

- ``none``: a well-behaved site.
- ``flaky``: 500/502/503 answers and 429 with ``Retry-After`` in seconds or as
  an HTTP date.
- ``slow``: answers held back for a while before they start.
- ``reset``: image bodies cut off halfway and the connection dropped.
- ``redirects``: page requests sent through a chain of 1 to 4 redirects.
- ``chaos``: all of the above at once.

Always present, whatever the plan: a two-hop redirect from ``/legacy/route/SLUG``
and a redirect loop between ``/legacy/loop-a`` and ``/legacy/loop-b``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cragcat.errors import UsageError

EXEMPT = ("/robots.txt", "/manifest.json", "/_sample/", "/_hop/")  # reliable by design


@dataclass(frozen=True)
class FaultPlan:
    name: str
    error: float = 0.0  # share of 5xx answers
    throttle: float = 0.0  # share of 429 answers
    slow: float = 0.0  # share of answers held back
    slow_seconds: tuple[float, float] = (0.2, 0.6)
    reset: float = 0.0  # share of image bodies cut off mid-way
    redirect: float = 0.0  # share of page requests sent through a redirect chain
    max_per_path: int = 2
    retry_after: int = 1  # seconds a 429 asks the client to wait


PLANS = {
    "none": FaultPlan("none"),
    "flaky": FaultPlan("flaky", error=0.15, throttle=0.1),
    "slow": FaultPlan("slow", slow=0.3),
    "reset": FaultPlan("reset", reset=0.3),
    "redirects": FaultPlan("redirects", redirect=0.3),
    "chaos": FaultPlan("chaos", error=0.08, throttle=0.06, slow=0.1, reset=0.1, redirect=0.1),
}


@dataclass(frozen=True)
class Fault:
    """What to do to one request: kind is error, throttle, slow, reset or redirect."""

    kind: str
    status: int = 0
    seconds: float = 0.0
    hops: int = 0
    http_date: bool = False  # 429: Retry-After as an HTTP date instead of seconds


def plan_named(name: str | None) -> FaultPlan:
    if name is None:
        return PLANS["none"]
    if name not in PLANS:
        raise UsageError(f"unknown fault plan {name!r}; choose one of {', '.join(PLANS)}")
    return PLANS[name]


def _draw(seed: int, plan: str, path: str, attempt: int, what: str) -> float:
    digest = hashlib.sha256(f"{seed}|{plan}|{path}|{attempt}|{what}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def decide(plan: FaultPlan, seed: int, method: str, path: str, attempt: int,
           is_image: bool) -> Fault | None:
    """The fault for the ``attempt``-th request (0-based) of ``path``, or None."""
    if plan.name == "none" or attempt >= plan.max_per_path or path.startswith(EXEMPT):
        return None
    roll = _draw(seed, plan.name, path, attempt, "kind")
    edge = 0.0
    for kind, share in (("error", plan.error), ("throttle", plan.throttle), ("slow", plan.slow),
                        ("reset", plan.reset if is_image else 0.0),
                        ("redirect", plan.redirect if method == "GET" and not is_image else 0.0)):
        edge += share
        if roll < edge:
            return _shape(kind, plan, seed, path, attempt)
    return None


def _shape(kind: str, plan: FaultPlan, seed: int, path: str, attempt: int) -> Fault:
    detail = _draw(seed, plan.name, path, attempt, "detail")
    if kind == "error":
        return Fault("error", status=(500, 502, 503)[int(detail * 3)])
    if kind == "throttle":
        return Fault("throttle", status=429, seconds=plan.retry_after, http_date=detail < 0.5)
    if kind == "slow":
        low, high = plan.slow_seconds
        return Fault("slow", seconds=low + (high - low) * detail)
    if kind == "redirect":
        return Fault("redirect", hops=1 + int(detail * 4))
    return Fault("reset")
