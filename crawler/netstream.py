"""An httpcore network backend on plain asyncio: the crawler's sockets, with less overhead.

httpcore's default backend goes through anyio, which costs a cancel scope per
read and builds a dict of socket attributes (a ``getpeername`` system call
among them) for every idle connection on every request. This backend keeps
each connection as an asyncio protocol with a receive buffer, so reads are a
buffer slice and writes go straight to the transport. It speaks only
httpcore's public network-backend interface.

A server may close a kept-alive connection while it idles in the pool. The
pool cannot know, so the request is handed to the dead connection; this
backend notices before writing its first byte and raises
:class:`ServerHungUp`, and the transport (crawler.guard) sends the request
again on another connection: nothing of it reached the server.

Only plain TCP and TLS on asyncio are needed by the crawler; the address
guard (crawler.guard) decides where to connect before this backend is asked.
"""

from __future__ import annotations

import asyncio

import ssl
from typing import Any, Iterable

import httpcore

_PAUSE_AT = 4 * 1024 * 1024  # stop reading a socket whose unread bytes pass this


class ServerHungUp(httpcore.NetworkError):
    """The server had closed the connection before a request's first byte was written:
    the request never reached it and may be sent again on another connection."""


class _Connection(asyncio.Protocol):
    """Buffers what the server sends until httpcore reads it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.closed = False        # the server closed (EOF) or the connection broke
        self.error: Exception | None = None
        self._reader: asyncio.Future | None = None
        self._writable: asyncio.Future | None = None
        self._paused = False
        self.between_requests = True  # nothing written since the server's last bytes

    # -- asyncio's side ----------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) > _PAUSE_AT and not self._paused:
            self._paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake_reader()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        self._wake_reader()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    def _wake_reader(self) -> None:
        if self._reader is not None and not self._reader.done():
            self._reader.set_result(None)

    # -- httpcore's side -----------------------------------------------------------
    async def receive(self, max_bytes: int) -> bytes:
        if not self.received and not self.closed:
            self._reader = asyncio.get_running_loop().create_future()
            try:
                await self._reader
            finally:
                self._reader = None
        chunk = bytes(self.received[:max_bytes])
        del self.received[:max_bytes]
        if self._paused and len(self.received) < _PAUSE_AT // 2:
            self._paused = False
            self.transport.resume_reading()
        if not chunk and self.error is not None:
            raise httpcore.ReadError(str(self.error))
        if chunk:
            self.between_requests = True
        return chunk  # b"" at the end of the stream

    async def send(self, data: bytes) -> None:
        if self.closed and self.between_requests:
            raise ServerHungUp("the server closed the connection while it idled")
        if self.closed:
            raise httpcore.WriteError("the server closed the connection")
        self.between_requests = False
        self.transport.write(data)
        if self._writable is not None:
            await self._writable


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection, as httpcore wants to see it."""

    def __init__(self, connection: _Connection):
        self._connection = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._connection.receive(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout(f"no bytes from the server in {timeout} s") from None

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                await self._connection.send(buffer)
        except TimeoutError:
            raise httpcore.WriteTimeout(f"could not send to the server in {timeout} s") from None

    async def aclose(self) -> None:
        transport = self._connection.transport
        if transport is not None and not transport.is_closing():
            transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> "AsyncioStream":
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._connection.transport, self._connection,
                                                 ssl_context, server_hostname=server_hostname)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"TLS handshake took over {timeout} s") from None
        except (OSError, ssl.SSLError) as exc:
            await self.aclose()
            raise httpcore.ConnectError(f"TLS handshake failed ({exc})") from None
        self._connection.transport = transport
        return self

    def get_extra_info(self, info: str) -> Any:
        connection = self._connection
        transport = connection.transport
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connect with ``loop.create_connection`` to an address (already checked by the guard)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable | None = None) -> AsyncioStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(_Connection, host, port,
                                                             local_addr=local)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port} in {timeout} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot connect to {host}:{port} ({exc})") from None
        sock = connection.transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(connection)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable | None = None):
        raise httpcore.ConnectError("unix sockets are not used by the crawler")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)



