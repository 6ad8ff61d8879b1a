"""Serve the review app: bind first (port 0 takes a free one), then say the URL."""

from __future__ import annotations

import getpass
import socket
from pathlib import Path

import uvicorn

from review.app import ReviewConfig, build_app

LOCAL_NAMES = frozenset({"127.0.0.1", "localhost"})


def review_config(settings) -> ReviewConfig:
    """The app's configuration from resolved settings (config file < flags)."""
    host = settings["review.host"]
    return ReviewConfig(
        catalog=Path(settings["catalog.path"]),
        store=Path(settings["catalog.store"]) if settings["catalog.store"] else None,
        config=settings.config_path,
        reviewer=settings["review.reviewer"] or getpass.getuser(),
        preload=settings["review.preload"], batch=settings["review.batch"],
        grid_size=settings["review.grid_size"], busy_retry=settings["review.busy_retry"],
        hosts=LOCAL_NAMES | {host, socket.gethostname()} if host not in LOCAL_NAMES
        else LOCAL_NAMES)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def serve(config: ReviewConfig, host: str, port: int, on_ready) -> None:
    """Serve until interrupted; ``on_ready(url)`` is called once the socket listens."""
    sock = bind(host, port)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    server = uvicorn.Server(uvicorn.Config(
        build_app(config), log_level="warning", access_log=False, lifespan="off",
        timeout_graceful_shutdown=1))
    on_ready(f"http://{shown}:{sock.getsockname()[1]}/")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
