"""Serve a generated site on 127.0.0.1: pages, media, robots.txt, sitemap.xml,
/manifest.json, the GraphQL endpoint, faults, and a request log.

    with serve_in_thread(build_site("tiny")) as site:
        site.url             # http://127.0.0.1:PORT/
        site.request_log()   # [{time, method, path, status, fault}, ...]

The log is also served at ``/_sample/requests`` (not itself logged), so a
benchmark in another process can check politeness from the server's side.
"""

from __future__ import annotations

import asyncio
import base64
import json
import mimetypes
import socket
import threading
import time
from email.utils import formatdate
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from cragcat.errors import CragcatError
from samplesite import build, pages
from samplesite.faults import Fault, FaultPlan, decide, plan_named
from samplesite.graphql_api import OpenBetaEndpoint
from samplesite.manifest import load_manifest

TEXT_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml",
              ".txt": "text/plain; charset=utf-8"}
IMAGE_TYPES = {".jpeg": "image/jpeg", ".jpg": "image/jpeg", ".png": "image/png",
               ".webp": "image/webp", ".gif": "image/gif", ".svg": "image/svg+xml"}
LOG_PATH = "/_sample/requests"
START_TIMEOUT = 15.0


class SiteServerError(CragcatError):
    """The sample site cannot be served: a missing site folder or a port in use."""


class ResetMidBody(Exception):
    """Raised to drop a connection after half of a body was sent (the reset fault)."""


class SiteState:
    """What the server knows: the site on disk, its fault plan, its request log."""

    def __init__(self, site_dir: Path, plan: FaultPlan, seed: int, crawl_delay: float | None):
        self.site_dir = Path(site_dir)
        self.www = (self.site_dir / "www").resolve()
        self.manifest = load_manifest(self.site_dir)
        self.plan, self.seed = plan, seed
        self.crawl_delay = self.manifest["crawl_delay"] if crawl_delay is None else crawl_delay
        self.origin = ""
        self.graphql = OpenBetaEndpoint(self.manifest)
        self._log: list[dict] = []
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()

    def next_attempt(self, path: str) -> int:
        with self._lock:
            n = self._attempts.get(path, 0)
            self._attempts[path] = n + 1
            return n

    def record(self, entry: dict) -> None:
        with self._lock:
            self._log.append(entry)

    def set_status(self, entry: dict, status: int) -> None:
        with self._lock:
            entry["status"] = status

    def log(self) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self._log]


# --- responses --------------------------------------------------------------

def with_origin(state: SiteState, data: bytes) -> bytes:
    return data.replace(pages.ORIGIN.encode(), state.origin.encode())


def static(state: SiteState, path: str) -> Response:
    target = (state.www / path.lstrip("/")).resolve()
    if not target.is_relative_to(state.www):
        return PlainTextResponse("not found", 404)
    if target.is_dir():
        if not path.endswith("/"):
            return RedirectResponse(path + "/", 301)
        target = target / "index.html"
    if not target.is_file():
        return PlainTextResponse("not found", 404)
    suffix = target.suffix.lower()
    data = target.read_bytes()
    if suffix in TEXT_TYPES:
        return Response(with_origin(state, data), media_type=TEXT_TYPES[suffix])
    kind = IMAGE_TYPES.get(suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return Response(data, media_type=kind, headers={"Cache-Control": "max-age=3600"})


def legacy(path: str) -> Response | None:
    """Old URLs real sites keep: a two-hop chain and one loop."""
    if path == "/legacy/loop-a":
        return RedirectResponse("/legacy/loop-b", 302)
    if path == "/legacy/loop-b":
        return RedirectResponse("/legacy/loop-a", 302)
    if path.startswith("/legacy/route/"):
        return RedirectResponse("/old/routes/" + path.rsplit("/", 1)[-1], 301)
    if path.startswith("/old/routes/"):
        return RedirectResponse("/routes/" + path.rsplit("/", 1)[-1] + "/", 302)
    return None


def hop_url(target: str, hops: int) -> str:
    token = base64.urlsafe_b64encode(target.encode()).decode().rstrip("=")
    return f"/_hop/{hops}/{token}"


def hop(path: str) -> Response:
    """One step of an injected redirect chain: /_hop/N/TOKEN -> ... -> target."""
    _, _, n, token = path.split("/", 3)
    target = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    hops = int(n) - 1
    status = (301, 302, 307, 308)[hops % 4]
    return RedirectResponse(hop_url(target, hops) if hops > 0 else target, status)


def make_app(state: SiteState) -> Starlette:
    async def graphql(request: Request) -> Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return JSONResponse({"errors": [{"message": "body must be JSON {query, variables}"}]}, 400)
        status, answer = state.graphql.execute(body)
        return JSONResponse(answer, status)

    async def everything(request: Request) -> Response:
        path = request.url.path
        if path == "/manifest.json":
            return Response((state.site_dir / "manifest.json").read_bytes(), media_type="application/json")
        if path == LOG_PATH:
            return JSONResponse(state.log())
        if path == "/robots.txt":
            return PlainTextResponse(with_origin(state, build.robots_txt(state.crawl_delay).encode()))
        if path.startswith("/_hop/"):
            return hop(path)
        return legacy(path) or static(state, path)

    return Starlette(routes=[Route(build.GRAPHQL_PATH, graphql, methods=["POST"]),
                             Route("/{path:path}", everything, methods=["GET", "HEAD"])])


# --- faults and the request log ---------------------------------------------

class FaultsAndLog:
    """ASGI middleware: decide a request's fault, apply it, log the answer."""

    def __init__(self, app, state: SiteState):
        self.app, self.state = app, state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        full = path + ("?" + scope["query_string"].decode() if scope["query_string"] else "")
        if path == LOG_PATH:
            return await self.app(scope, receive, send)
        is_image = Path(path).suffix.lower() in IMAGE_TYPES
        fault = decide(self.state.plan, self.state.seed, scope["method"], full,
                       self.state.next_attempt(full), is_image)
        # Logged on arrival, status filled in before the answer leaves: a client
        # that has its answer always finds it in the log.
        entry = {"time": time.time(), "method": scope["method"], "path": full, "status": None,
                 "fault": fault.kind if fault else None}
        self.state.record(entry)

        async def logged_send(message):
            if message["type"] == "http.response.start":
                self.state.set_status(entry, message["status"])
            await send(message)

        await self.answer(fault, full, scope, receive, logged_send)

    async def answer(self, fault: Fault | None, full: str, scope, receive, send):
        if fault is None:
            return await self.app(scope, receive, send)
        if fault.kind == "slow":
            await asyncio.sleep(fault.seconds)
            return await self.app(scope, receive, send)
        if fault.kind == "error":
            return await PlainTextResponse("server error (injected)", fault.status)(scope, receive, send)
        if fault.kind == "throttle":
            when = (formatdate(time.time() + fault.seconds + 1, usegmt=True) if fault.http_date
                    else str(int(fault.seconds)))
            return await PlainTextResponse("slow down", 429, headers={"Retry-After": when})(scope, receive, send)
        if fault.kind == "redirect":
            return await RedirectResponse(hop_url(full, fault.hops), 302)(scope, receive, send)
        return await self.app(scope, receive, cut_off(send))


def cut_off(send):
    """A send that passes on half of the body, then drops the connection."""
    async def half(message):
        if message["type"] == "http.response.body":
            body = message.get("body", b"")
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            raise ResetMidBody("connection dropped mid-body (injected)")
        await send(message)
    return half


# --- running ----------------------------------------------------------------

def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise SiteServerError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); "
                              "pass --port 0 to take a free port") from None
    sock.listen(128)
    return sock


def make_server(site_dir: Path, faults: str | None, port: int, seed: int | None,
                crawl_delay: float | None) -> tuple[uvicorn.Server, socket.socket, SiteState]:
    if not (Path(site_dir) / "manifest.json").is_file():
        raise SiteServerError(f"{site_dir} is not a generated sample site (no manifest.json); "
                              "run cragcat sample-site build first")
    plan = plan_named(faults)
    manifest_seed = load_manifest(Path(site_dir))["seed"]
    state = SiteState(Path(site_dir), plan, manifest_seed if seed is None else seed, crawl_delay)
    sock = bind(port)
    state.origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(FaultsAndLog(make_app(state), state), log_level="critical",
                            access_log=False, lifespan="off", timeout_graceful_shutdown=1)
    return uvicorn.Server(config), sock, state


class ServedSite:
    """A site served in a background thread; a context manager that stops it."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket, state: SiteState):
        self._server, self._sock, self._state = server, sock, state
        self.url = state.origin + "/"
        self.port = sock.getsockname()[1]
        self.site_dir = state.site_dir
        self.manifest = state.manifest
        self.faults = state.plan.name
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                        name=f"sample-site:{self.port}", daemon=True)

    def start(self) -> "ServedSite":
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise SiteServerError(f"the sample site server on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def request_log(self) -> list[dict]:
        """Every request so far: time, method, path (with query), status, fault."""
        return self._state.log()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> "ServedSite":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_in_thread(site_dir: str | Path, faults: str | None = None, port: int = 0,
                    seed: int | None = None, crawl_delay: float | None = None) -> ServedSite:
    """Start serving ``site_dir`` on 127.0.0.1 (port 0: a free one); returns when ready."""
    return ServedSite(*make_server(Path(site_dir), faults, port, seed, crawl_delay)).start()


def serve_forever(site_dir: Path, faults: str | None, port: int, on_ready) -> None:
    """Serve in this thread until interrupted; ``on_ready(url)`` is called first."""
    server, sock, state = make_server(site_dir, faults, port, None, None)
    on_ready(state.origin + "/")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
