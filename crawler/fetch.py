"""The fetcher: one httpx connection pool, polite, guarded, retried, size-limited.

:meth:`Fetcher.fetch` takes one URL through robots.txt, the throttle, the
address guard (inside the transport), retries with backoff, and redirects it
follows itself so that every hop is checked again. Bodies are read as a
stream, decoded in bounded steps (crawler.decoding) and cut off at ``max_bytes``
of decoded bytes. Every redirect hop passes the caller's scope rules (``hop``)
as well as the address guard. Anything that goes wrong for this URL
raises :class:`FetchFailed` with a short reason that becomes frontier data.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from crawler.decoding import ACCEPTED, BadEncoding, BoundedDecoder
from crawler.guard import AddressGuard, AddressRefused, GuardedTransport
from crawler.retry import RetryPolicy, retryable_status
from crawler.robots import RobotsCache
from crawler.throttle import Throttle
from cragcat import __version__
from cragcat.errors import CragcatError

REDIRECTS = frozenset({301, 302, 303, 307, 308})
# why a redirect target may not be fetched (off-site, out-of-scope), or None
HopRule = Callable[[str], "str | None"]


class FetchFailed(CragcatError):
    """One URL could not be fetched. ``reason`` is stored in the frontier
    (robots, address-refused, too-large, timeout, connection-error, http-404,
    too-many-redirects, invalid-url, ...); ``skipped`` marks a URL we chose not to
    request; ``url`` is the hop it concerns when a redirect led there."""

    def __init__(self, reason: str, detail: str = "", status: int | None = None,
                 attempts: int = 0, skipped: bool = False, url: str | None = None):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.status = status
        self.attempts = attempts
        self.skipped = skipped
        self.url = url


class _TooLarge(Exception):
    """Internal: the body passed the byte limit while streaming."""


@dataclass(frozen=True)
class FetchSettings:
    """From crawl.contact, crawl.user_agent, crawl.timeout and crawl.max_bytes."""

    contact: str
    user_agent: str
    timeout: float
    max_bytes: int
    max_redirects: int = 10  # not a setting: as many as real sites chain (Scrapy allows 20)

    @classmethod
    def from_settings(cls, settings) -> "FetchSettings":
        return cls(settings["crawl.contact"], settings["crawl.user_agent"],
                   settings["crawl.timeout"], settings["crawl.max_bytes"])

    def agent(self) -> str:
        contact = self.contact or "no contact configured"
        return self.user_agent.format(version=__version__, contact=contact)


@dataclass(frozen=True)
class Fetched:
    """A response that arrived in full (any status a caller may want to see)."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes
    attempts: int = 1

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """Use as ``async with Fetcher(...) as fetcher: await fetcher.fetch(url)``."""

    def __init__(self, settings: FetchSettings, throttle: Throttle, guard: AddressGuard,
                 retry: RetryPolicy | None = None,
                 backend: httpcore.AsyncNetworkBackend | None = None):
        self.settings = settings
        self.throttle = throttle
        self.guard = guard
        self.retry = retry or RetryPolicy()
        self.robots = RobotsCache(self._robots_text)
        self.requests = 0
        self.retries: Counter = Counter()  # reason -> retries made
        # one connection per request slot: httpcore's pool scans every connection it
        # holds on every request, so idle extras only cost time
        self._transport = GuardedTransport(guard, max_connections=throttle.concurrency,
                                           inner=backend)
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> "Fetcher":
        timeout = httpx.Timeout(self.settings.timeout)
        self._client = httpx.AsyncClient(transport=self._transport, timeout=timeout,
                                         follow_redirects=False, trust_env=False,
                                         headers={"User-Agent": self.settings.agent(),
                                                  "Accept-Encoding": ACCEPTED})
        return self

    async def __aexit__(self, *exc) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, method: str = "GET", json: Any = None,
                    etag: str | None = None, last_modified: str | None = None,
                    check_robots: bool = True, hop: HopRule | None = None) -> Fetched:
        """Fetch ``url`` (following redirects that ``hop`` allows); raise FetchFailed."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempts, first = 0, url
        for _ in range(self.settings.max_redirects + 1):
            try:
                await self._admit(url, check_robots, attempts, None if url == first else hop)
                fetched = await self._with_retries(method, url, json, headers, attempts)
            except FetchFailed as exc:
                exc.url = url if url != first else None  # a redirect target: say which
                raise
            attempts = fetched.attempts
            location = fetched.headers.get("location")
            if fetched.status not in REDIRECTS or not location:
                return fetched
            url = urljoin(url, location)
            if fetched.status == 303 or (fetched.status in (301, 302) and method == "POST"):
                method, json = "GET", None
        raise FetchFailed("too-many-redirects", f"more than {self.settings.max_redirects}",
                          attempts=attempts)

    async def _admit(self, url: str, check_robots: bool, attempts: int,
                     hop: HopRule | None) -> None:
        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise FetchFailed("unsupported-scheme", url, attempts=attempts, skipped=True)
        problem = invalid_url(url)
        if problem:
            raise FetchFailed("invalid-url", problem, attempts=attempts)
        refusal = hop(url) if hop else None
        if refusal:
            raise FetchFailed(refusal, f"redirected to {url}", attempts=attempts, skipped=True)
        if not check_robots:
            return
        rules = await self.robots.rules(url)
        self.throttle.set_crawl_delay(urlsplit(url).hostname or "", rules.crawl_delay)
        if not rules.allows(url):
            why = rules.why or "disallowed by robots.txt"
            raise FetchFailed("robots", why, attempts=attempts, skipped=True)

    async def _with_retries(self, method, url, json, headers, attempts: int) -> Fetched:
        host = urlsplit(url).hostname or ""
        tries = 0
        while True:
            tries += 1
            reason, status, retry_after = await self._try_once(method, url, json, headers, host)
            if isinstance(reason, Fetched):
                return Fetched(reason.url, reason.status, reason.headers, reason.content,
                               attempts + tries)
            wait = self.retry.wait(tries, retry_after)
            if wait is None:
                detail = f"gave up after {tries} tries"
                if retry_after:
                    detail += f" (Retry-After: {retry_after})"
                raise FetchFailed(reason, detail, status=status, attempts=attempts + tries)
            self.retries[reason] += 1
            await asyncio.sleep(wait)

    async def _try_once(self, method, url, json, headers, host):
        """(Fetched, ...) on an answer to keep; (reason, status, Retry-After) to retry."""
        try:
            async with self.throttle.slot(host):
                self.requests += 1
                fetched = await self._send(method, url, json, headers)
        except AddressRefused as exc:
            raise FetchFailed("address-refused", exc.why) from None
        except _TooLarge:
            raise FetchFailed("too-large", f"over {self.settings.max_bytes:,} bytes") from None
        except BadEncoding as exc:
            raise FetchFailed("bad-encoding", str(exc)) from None
        except (httpx.TimeoutException, TimeoutError):
            return "timeout", None, None
        except (httpx.TransportError, httpx.DecodingError):
            return "connection-error", None, None
        if retryable_status(fetched.status):
            return f"http-{fetched.status}", fetched.status, fetched.headers.get("retry-after")
        return fetched, None, None

    async def _send(self, method, url, json, headers) -> Fetched:
        limit = self.settings.max_bytes
        # read timeouts stop a silent server; this total stops one that drips bytes
        async with asyncio.timeout(self.settings.timeout * 4):
            async with self._client.stream(method, url, json=json, headers=headers) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise _TooLarge()
                body = bytearray()
                if response.status_code not in REDIRECTS:
                    decoder = BoundedDecoder(response.headers.get("content-encoding", ""))
                    async for chunk in response.aiter_raw():
                        for piece in decoder.decode(chunk):
                            body += piece
                            if len(body) > limit:
                                raise _TooLarge()
                return Fetched(str(response.url), response.status_code, response.headers,
                               bytes(body))

    async def _robots_text(self, url: str) -> tuple[int | None, str]:
        try:
            fetched = await self.fetch(url, check_robots=False)
        except FetchFailed as exc:
            if exc.reason == "address-refused":
                raise  # the host itself is refused: say so, not "robots"
            return exc.status, ""
        return fetched.status, fetched.content.decode("utf-8", errors="replace")


def invalid_url(url: str) -> str | None:
    """Why httpx could not request ``url`` (bad port, malformed host), or None."""
    try:
        port = httpx.URL(url).port
    except (httpx.InvalidURL, ValueError) as exc:
        return str(exc)
    if port is not None and not 0 < port < 65536:
        return f"port {port} is out of range"
    return None
