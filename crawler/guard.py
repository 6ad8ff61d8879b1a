"""The address guard: resolve, check every address, then connect only to a checked one.

A crawler that follows links from the web must not be steered into the
machine's own network. Every connection the fetcher opens goes through
:class:`GuardedBackend`, an httpcore network backend that resolves the host
itself, refuses private, loopback, link-local, multicast, reserved and other
non-global addresses (unless the host is explicitly allowed in the config),
and then connects to the very address it checked - so a second DNS answer
cannot slip past. Redirect hops open their connections through the same
backend, so each hop is checked again. A refusal raises before any socket
is opened.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Awaitable, Callable, Iterable, Mapping

import httpcore
import httpx

from cragcat.errors import CragcatError
from crawler.netstream import AsyncioBackend

Resolver = Callable[[str, int], Awaitable[list[str]]]


class AddressRefused(CragcatError):
    """The guard refused to connect: the host resolves to a non-public address
    (or does not resolve). Raised before any connection is opened."""

    def __init__(self, host: str, why: str):
        super().__init__(f"refused to connect to {host}: {why}")
        self.host = host
        self.why = why


async def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer (getaddrinfo), as address strings."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressRefused(host, f"does not resolve ({exc.strerror})") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def static_resolver(table: Mapping[str, Iterable[str]]) -> Resolver:
    """A fixed host table, like /etc/hosts: for tests and for pinning names in config."""
    known = {name.lower(): list(addresses) for name, addresses in table.items()}

    async def resolve(host: str, port: int) -> list[str]:
        if _literal(host) is not None:
            return [host]
        if host.lower() not in known:
            raise AddressRefused(host, "does not resolve")
        return known[host.lower()]
    return resolve


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def why_not_public(address: str) -> str | None:
    """None for a public unicast address; otherwise the kind of address it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # most specific first: Python counts link-local and reserved ranges as private too
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:
        return "non-global"
    return None


class AddressGuard:
    """Decides which addresses a host may be reached at."""

    def __init__(self, allowed_hosts: Iterable[str] = (), resolver: Resolver | None = None):
        self.allowed_hosts = {h.lower().strip("[]") for h in allowed_hosts}
        self.resolver = resolver or system_resolver
        self.refusals = 0

    async def addresses(self, host: str, port: int) -> list[str]:
        """The checked addresses of ``host``; raise AddressRefused when any is not allowed."""
        bare = host.lower().strip("[]")
        literal = _literal(bare)
        found = [str(literal)] if literal is not None else await self.resolver(bare, port)
        if not found:
            self._refuse(host, "no addresses")
        if bare in self.allowed_hosts:
            return found
        for address in found:
            kind = why_not_public(address)
            if kind:
                article = "an" if kind[0] in "aeiou" else "a"  # "an unspecified address"
                self._refuse(host, f"{address} is {article} {kind} address (allow the host in the "
                                   "config to crawl it)")
        return found

    def _refuse(self, host: str, why: str) -> None:
        self.refusals += 1
        raise AddressRefused(host, why)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connect only to addresses the guard has checked (pinned: no second lookup)."""

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None):
        self.guard = guard
        self.inner = inner or AsyncioBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None,
                          socket_options=None) -> httpcore.AsyncNetworkStream:
        addresses = await self.guard.addresses(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(address, port, timeout=timeout,
                                                    local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure  # every checked address failed to connect

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise AddressRefused(path, "unix sockets are never crawled")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _LeanPool(httpcore.AsyncConnectionPool):
    """httpcore's pool with the same decisions made in one pass.

    httpcore 1.0 rebuilds a list of every connection for every idle one each time a
    request starts or ends (quadratic in the pool size); at a crawler's request rate
    that bookkeeping cost more CPU than parsing the responses.
    """

    def _assign_requests_to_connections(self) -> list:
        closing = []
        for connection in list(self._connections):
            if connection.is_closed():
                self._connections.remove(connection)
            elif connection.has_expired():
                self._connections.remove(connection)
                closing.append(connection)
        surplus = len(self._connections) - self._max_keepalive_connections
        for connection in [c for c in self._connections if c.is_idle()][:max(surplus, 0)]:
            self._connections.remove(connection)
            closing.append(connection)
        for pool_request in [r for r in self._requests if r.is_queued()]:
            self._assign(pool_request, closing)
        return closing

    def _assign(self, pool_request, closing: list) -> None:
        origin = pool_request.request.url.origin
        reusable = next((c for c in self._connections
                         if c.can_handle_request(origin) and c.is_available()), None)
        if reusable is None:
            if len(self._connections) >= self._max_connections:
                idle = next((c for c in self._connections if c.is_idle()), None)
                if idle is None:
                    return  # stays queued until a connection frees up
                self._connections.remove(idle)
                closing.append(idle)
            reusable = self.create_connection(origin)
            self._connections.append(reusable)
        pool_request.assign_to_connection(reusable)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the guard's backend under its one connection pool."""

    def __init__(self, guard: AddressGuard, max_connections: int = 100,
                 inner: httpcore.AsyncNetworkBackend | None = None):
        super().__init__(trust_env=False)
        self._pool = _LeanPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections, max_keepalive_connections=max_connections,
            keepalive_expiry=30.0, network_backend=GuardedBackend(guard, inner))
