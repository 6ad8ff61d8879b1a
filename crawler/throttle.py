"""Politeness: how many requests may be in flight, and how often a host is asked.

Each host has its own limit on requests in flight (default one) and a
minimum gap between two requests (default one second; a larger robots.txt
Crawl-delay wins). With one request at a time the gap runs from the end of
the previous request, so the host sees at least that much quiet between two
requests whatever the network did; with more, it runs from start to start.
A global cap bounds all hosts together. A host slot is taken before a global
one, so a host's delay never holds up others.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator


@dataclass(frozen=True)
class HostPolicy:
    delay: float = 1.0
    concurrency: int = 1


class _Host:
    def __init__(self, policy: HostPolicy):
        self.policy = policy
        self.crawl_delay = 0.0
        self.slots = asyncio.Semaphore(policy.concurrency)
        self.spacing = asyncio.Lock()
        self.next_start = 0.0
        self.last_seen = 0.0  # when a request to this host last started or ended

    @property
    def delay(self) -> float:
        return max(self.policy.delay, self.crawl_delay)


class Throttle:
    """Hands out request slots per host, respecting concurrency and delay."""

    def __init__(self, concurrency: int = 8, default: HostPolicy = HostPolicy(),
                 hosts: dict[str, HostPolicy] | None = None):
        self.default = default
        self.policies = {h.lower(): p for h, p in (hosts or {}).items()}
        self.concurrency = concurrency
        self.global_slots = asyncio.Semaphore(concurrency)
        self._hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        host = host.lower()
        if host not in self._hosts:
            self._hosts[host] = _Host(self.policies.get(host, self.default))
        return self._hosts[host]

    def set_crawl_delay(self, host: str, seconds: float | None) -> None:
        """robots.txt's Crawl-delay for ``host``; it counts when larger than ours,
        from the request that fetched robots.txt on."""
        state = self._host(host)
        state.crawl_delay = float(seconds or 0.0)
        state.next_start = max(state.next_start, state.last_seen + state.delay)

    def delay(self, host: str) -> float:
        return self._host(host).delay

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold a request slot for ``host`` for the whole request."""
        state = self._host(host)
        async with state.slots:
            async with state.spacing:
                wait = state.next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                state.last_seen = time.monotonic()
                state.next_start = state.last_seen + state.delay
            try:
                async with self.global_slots:
                    yield
            finally:
                state.last_seen = time.monotonic()
                if state.policy.concurrency == 1:
                    state.next_start = max(state.next_start, state.last_seen + state.delay)
