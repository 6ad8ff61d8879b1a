"""A real HTTP server on 127.0.0.1, port 0, in a thread: for crawler tests.

The listening socket is bound before the server thread starts, so the port
is known at once and early connections wait in the backlog: no sleeping.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import uvicorn


@dataclass
class Served:
    url: str
    log: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic, method, path)

    def paths(self) -> list[str]:
        return [path for _, _, path in self.log]


class RequestLog:
    """ASGI middleware: record (time, method, path) of every request the server sees."""

    def __init__(self, app, log: list):
        self.app = app
        self.log = log

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope["path"] + ("?" + scope["query_string"].decode()
                                    if scope.get("query_string") else "")
            self.log.append((time.monotonic(), scope["method"], path))
        await self.app(scope, receive, send)


@contextmanager
def serve(app) -> Iterator[Served]:
    log: list = []
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    config = uvicorn.Config(RequestLog(app, log), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{sock.getsockname()[1]}", log)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
