"""robots.txt, fetched once per host and consulted before every request.

Following RFC 9309: a 4xx robots.txt means no rules (crawl freely); a 5xx or
an unreachable host means "disallow everything" for this run; a 2xx is
parsed with protego. Crawl-delay for our token goes to the throttle.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable
from urllib.parse import urlsplit

from protego import Protego

ROBOTS_TOKEN = "cragcat"  # the product token robots.txt groups are matched against
MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309: parse at least 500 KiB

# fetch(url) -> (status or None when unreachable, body text)
RobotsFetch = Callable[[str], Awaitable[tuple[int | None, str]]]


@dataclass(frozen=True)
class HostRules:
    """What one host's robots.txt says for us."""

    parser: Protego | None = None
    disallow_all: bool = False
    why: str = ""

    def allows(self, url: str) -> bool:
        if self.disallow_all:
            return False
        return True if self.parser is None else self.parser.can_fetch(url, ROBOTS_TOKEN)

    @property
    def crawl_delay(self) -> float | None:
        return None if self.parser is None else self.parser.crawl_delay(ROBOTS_TOKEN)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class RobotsCache:
    """One HostRules per origin (scheme://host:port), fetched on first need."""

    def __init__(self, fetch: RobotsFetch):
        self._fetch = fetch
        self._rules: dict[str, HostRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules(self, url: str) -> HostRules:
        origin = origin_of(url)
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._rules:
                self._rules[origin] = await self._load(origin)
        return self._rules[origin]

    async def allows(self, url: str) -> bool:
        return (await self.rules(url)).allows(url)

    async def _load(self, origin: str) -> HostRules:
        status, text = await self._fetch(origin + "/robots.txt")
        if status is None or status >= 500:
            why = "unreachable" if status is None else f"robots.txt answered {status}"
            return HostRules(disallow_all=True, why=why)
        if status >= 400:
            return HostRules(why=f"robots.txt answered {status}: no rules")
        return HostRules(parser=Protego.parse(text[:MAX_ROBOTS_BYTES]))
