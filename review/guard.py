"""Who may change the catalog through the app: same-origin pages holding the token.

A page the reviewer opens elsewhere can send a POST to 127.0.0.1 but cannot
read the app's pages, so it never learns the per-session token; browsers also
name its origin. Every state-changing request needs both the token and an
Origin (or Referer) equal to the app's own. The Host header is checked too, so
a rebound DNS name cannot pass for the app.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TOKEN_HEADER = "x-review-token"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class SameOriginGuard:
    """ASGI middleware: refuse wrong hosts, and state changes from elsewhere."""

    def __init__(self, app: ASGIApp, token: str, hosts: set[str]):
        self.app, self.token, self.hosts = app, token, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        refusal = None
        if host.rsplit(":", 1)[0].strip("[]") not in self.hosts:
            refusal = f"refused: unknown host {host!r}"
        elif scope["method"] not in SAFE_METHODS:
            refusal = self._state_change_refusal(headers, host)
        if refusal:
            await JSONResponse({"error": refusal}, status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _state_change_refusal(self, headers: dict[str, str], host: str) -> str | None:
        origin = headers.get("origin") or _origin_of(headers.get("referer", ""))
        if origin != f"http://{host}":
            return f"refused: cross-origin request (origin {origin or 'none'})"
        if not secrets.compare_digest(headers.get(TOKEN_HEADER, ""), self.token):
            return "refused: missing or wrong session token (reload the page)"
        return None


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
