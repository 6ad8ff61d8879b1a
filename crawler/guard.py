"""The address guard: resolve, check every address, then connect only to a checked one.

A crawler that follows links from the web must not be steered into the
machine's own network. Every connection the fetcher opens goes through
:class:`GuardedBackend`, an httpcore network backend that resolves the host
itself, refuses private, loopback, link-local, multicast, reserved and other
non-global addresses (unless the host is explicitly allowed in the config),
and then connects to the very address it checked - so a second DNS answer
cannot slip past. Redirect hops open their connections through the same
backend, so each hop is checked again. A refusal raises before any socket
is opened. :class:`GuardedTransport` puts that backend under httpcore's own
connection pool and hands the pool to httpx, through the public interfaces
of both libraries only.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from contextlib import contextmanager
from typing import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping

import httpcore
import httpx

from cragcat.errors import CragcatError
from crawler.netstream import AsyncioBackend, ServerHungUp

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


_HTTPX_ERRORS = {  # httpcore's errors as httpx names them; found along the error's bases
    httpcore.ConnectTimeout: httpx.ConnectTimeout, httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout, httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.ConnectError: httpx.ConnectError, httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError, httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.TimeoutException: httpx.TimeoutException, httpcore.NetworkError: httpx.NetworkError,
    httpcore.ProtocolError: httpx.ProtocolError,
}


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """Raise httpcore's transport errors as httpx's, so callers catch one family."""
    try:
        yield
    except tuple(_HTTPX_ERRORS) as exc:
        kind = next(_HTTPX_ERRORS[cls] for cls in type(exc).__mro__ if cls in _HTTPX_ERRORS)
        raise kind(str(exc)) from exc


class _Body(httpx.AsyncByteStream):
    """An httpcore response's body as httpx reads it."""

    def __init__(self, response: httpcore.Response):
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self._response.aiter_stream():
                yield chunk

    async def aclose(self) -> None:
        with _as_httpx_errors():
            await self._response.aclose()


class GuardedTransport(httpx.AsyncBaseTransport):
    """httpx's side of one httpcore connection pool whose every connection the guard opens.

    Built from public parts only: httpcore's own pool, given the guard as its
    network backend, under httpx's transport interface. The pool holds at most
    ``max_connections`` (the crawl's requests in flight): it looks at every
    connection it holds whenever a request starts or ends, so idle extras only
    cost time.
    """

    def __init__(self, guard: AddressGuard, max_connections: int = 100,
                 inner: httpcore.AsyncNetworkBackend | None = None):
        self._max_connections = max_connections
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections, max_keepalive_connections=max_connections,
            keepalive_expiry=30.0, network_backend=GuardedBackend(guard, inner))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method, headers=request.headers.raw, content=request.stream,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port,
                             target=url.raw_path),
            extensions=request.extensions)
        with _as_httpx_errors():
            response = await self._send(core_request)
        return httpx.Response(status_code=response.status, headers=response.headers,
                              stream=_Body(response), extensions=response.extensions)

    async def _send(self, request: httpcore.Request) -> httpcore.Response:
        # each hung-up connection is closed by the pool as it fails, so the pool's
        # size bounds how many a request can meet
        for _ in range(self._max_connections):
            try:
                return await self._pool.handle_async_request(request)
            except ServerHungUp:
                continue  # nothing of it was sent: again, on another connection
        return await self._pool.handle_async_request(request)

    async def aclose(self) -> None:
        await self._pool.aclose()
