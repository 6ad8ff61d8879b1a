"""The crawler's asyncio network backend under httpcore, and the guarded transport over
httpcore's pool: plain HTTP, TLS, servers that hang up, stall or send more than a
buffer holds.

Every server here is a real asyncio server on 127.0.0.1, port 0; TLS uses a
throwaway certificate authority made by trustme for 127.0.0.1.
"""

import asyncio
import ssl

import httpcore
import httpx
import pytest
import trustme

from crawler.guard import AddressGuard, GuardedTransport
from crawler.netstream import AsyncioBackend, ServerHungUp

BIG = 9 * 1024 * 1024  # more than the backend buffers before it pauses reading


def _answer(body: bytes, keep_alive: bool = True) -> bytes:
    head = (f"HTTP/1.1 200 OK\r\ncontent-length: {len(body)}\r\n"
            f"connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n")
    return head.encode() + body


class Server:
    """Answers every request with ``body``; ``hang_up`` closes each connection after its
    first answer without saying so (as a server whose keep-alive ran out does);
    ``stall`` never answers."""

    def __init__(self, body=b"route topo", hang_up=False, stall=False, drop=False):
        self.body, self.hang_up, self.stall, self.drop = body, hang_up, stall, drop
        self.connections = 0
        self.requests = 0

    async def handle(self, reader, writer):
        self.connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                self.requests += 1
                if self.drop:
                    break  # read the request, never answer
                if self.stall:
                    await asyncio.sleep(30)
                writer.write(_answer(self.body))
                await writer.drain()
                if self.hang_up:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def start(self, ssl_context=None):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0, ssl=ssl_context)
        return self.server.sockets[0].getsockname()[1]


async def _until(condition, seconds=5.0):
    """Poll ``condition`` on the event loop until it holds (fail after ``seconds``)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.01)


async def _get(pool, url, timeout=5.0):
    response = await pool.request("GET", url, extensions={"timeout": {"read": timeout,
                                                                      "connect": timeout}})
    return response.status, response.content


def test_plain_http_requests_reuse_one_connection():
    async def scenario():
        server = Server()
        port = await server.start()
        async with httpcore.AsyncConnectionPool(network_backend=AsyncioBackend()) as pool:
            answers = [await _get(pool, f"http://127.0.0.1:{port}/routes/{n}/") for n in range(5)]
        server.server.close()
        return answers, server.connections
    answers, connections = asyncio.run(scenario())
    assert answers == [(200, b"route topo")] * 5
    assert connections == 1


class KeptStreams(httpcore.AsyncNetworkBackend):
    """The real backend, keeping every stream it opened so a test can wait on its state."""

    def __init__(self):
        self.inner = AsyncioBackend()
        self.streams = []

    async def connect_tcp(self, host, port, **kwargs):
        self.streams.append(await self.inner.connect_tcp(host, port, **kwargs))
        return self.streams[-1]

    async def sleep(self, seconds):
        await self.inner.sleep(seconds)


def _guarded_client(max_connections=4, backend=None):
    transport = GuardedTransport(AddressGuard(["127.0.0.1"]), max_connections, backend)
    return httpx.AsyncClient(transport=transport, timeout=5), transport


def test_a_connection_the_server_closed_while_idle_is_replaced_not_reused():
    async def scenario():
        server = Server(hang_up=True)
        port = await server.start()
        backend = KeptStreams()
        client, _ = _guarded_client(backend=backend)
        async with client:
            first = await client.get(f"http://127.0.0.1:{port}/a/")
            # the server's close arrives while the connection idles in the pool
            await _until(lambda: backend.streams[0]._connection.closed)
            second = await client.get(f"http://127.0.0.1:{port}/b/")
        server.server.close()
        return [(r.status_code, r.content) for r in (first, second)], server.connections
    answers, connections = asyncio.run(scenario())
    assert answers == [(200, b"route topo")] * 2
    assert connections == 2


def test_writing_to_a_connection_the_server_closed_says_whether_a_request_began():
    async def scenario():
        server = Server(hang_up=True)
        port = await server.start()
        idle = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        await idle.write(b"GET /a/ HTTP/1.1\r\nhost: crag\r\n\r\n", timeout=5)
        answer = _answer(b"route topo")
        received = b""
        while len(received) < len(answer):
            received += await idle.read(65536, timeout=5)
        await _until(lambda: idle._connection.closed)
        with pytest.raises(ServerHungUp):  # before a request's first byte: safe to resend
            await idle.write(b"GET /b/ HTTP/1.1\r\n", timeout=5)
        midway = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        await midway.write(b"POST /tick/ HTTP/1.1\r\n", timeout=5)
        midway._connection.eof_received()  # the server's close, as it arrives mid-request
        with pytest.raises(httpcore.WriteError):
            await midway.write(b"host: crag\r\n\r\n", timeout=5)
        await midway.aclose()
        server.server.close()
    asyncio.run(scenario())


def test_a_request_the_server_dropped_after_reading_it_is_not_sent_again():
    async def scenario():
        server = Server(drop=True)
        port = await server.start()
        client, _ = _guarded_client()
        async with client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{areas}"})
        server.server.close()
        return server.requests
    assert asyncio.run(scenario()) == 1


def test_a_body_larger_than_the_buffer_pauses_the_socket_and_arrives_whole():
    body = bytes(range(256)) * (BIG // 256)

    async def scenario():
        server = Server(body=body)
        port = await server.start()
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        await stream.write(b"GET /big/ HTTP/1.1\r\nhost: crag\r\n\r\n", timeout=5)
        connection = stream._connection
        await _until(lambda: connection._paused)  # unread bytes passed the mark: reading stops
        received = bytearray()
        while len(received) < len(_answer(body)):
            received += await stream.read(65536, timeout=5)
        await stream.aclose()
        server.server.close()
        return bytes(received), connection._paused
    received, paused_at_end = asyncio.run(scenario())
    assert received == _answer(body)
    assert not paused_at_end  # reading resumed as the buffer drained


def test_a_silent_server_is_a_read_timeout():
    async def scenario():
        server = Server(stall=True)
        port = await server.start()
        async with httpcore.AsyncConnectionPool(network_backend=AsyncioBackend()) as pool:
            with pytest.raises(httpcore.ReadTimeout):
                await _get(pool, f"http://127.0.0.1:{port}/", timeout=0.2)
        server.server.close()
    asyncio.run(scenario())


def test_nothing_listening_is_a_connect_error():
    async def scenario():
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()  # the port is free again: nothing listens there
        with pytest.raises(httpcore.ConnectError):
            await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)
    asyncio.run(scenario())


def test_https_through_start_tls_checks_the_certificate():
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)

    async def scenario():
        server = Server(body=b"over tls")
        port = await server.start(server_context)
        url = f"https://127.0.0.1:{port}/"
        async with httpcore.AsyncConnectionPool(ssl_context=trusting,
                                                network_backend=AsyncioBackend()) as pool:
            answer = await _get(pool, url)
        async with httpcore.AsyncConnectionPool(ssl_context=ssl.create_default_context(),
                                                network_backend=AsyncioBackend()) as pool:
            with pytest.raises(httpcore.ConnectError):
                await _get(pool, url)  # a certificate nobody vouches for is refused
        server.server.close()
        return answer
    assert asyncio.run(scenario()) == (200, b"over tls")


def test_the_transport_shares_its_connections_among_many_requests():
    async def scenario():
        crag, boulders = Server(b"crag"), Server(b"boulders")
        ports = [await crag.start(), await boulders.start()]
        client, transport = _guarded_client(max_connections=4)
        async with client:
            async def get(n, port):
                response = await client.get(f"http://127.0.0.1:{port}/photos/{n}/")
                return response.status_code, response.content
            one_site = await asyncio.gather(*(get(n, ports[0]) for n in range(40)))
            opened_for_one = crag.connections
            # two sites at once: an idle connection to one is closed to open one to the other
            two_sites = await asyncio.gather(*(get(n, ports[n % 2]) for n in range(24)))
            held = len(transport._pool.connections)
        crag.server.close()
        boulders.server.close()
        return one_site, opened_for_one, two_sites, held
    one_site, opened_for_one, two_sites, held = asyncio.run(scenario())
    assert one_site == [(200, b"crag")] * 40
    assert opened_for_one <= 4  # reused, never more than the pool's size
    assert [body for _, body in two_sites] == [b"crag", b"boulders"] * 12
    assert held <= 4
