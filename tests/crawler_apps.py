"""Small starlette apps that misbehave on purpose, for fetcher tests."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route


def polite_site(robots: str = "User-agent: *\nDisallow: /private/\n",
                robots_status: int = 200, redirect_to: str = "") -> Starlette:
    """Pages, a robots.txt, flaky endpoints, slow and huge bodies, redirects."""
    hits: dict[str, int] = defaultdict(int)
    in_flight = {"now": 0, "most": 0}

    async def robots_txt(request):
        return PlainTextResponse(robots, status_code=robots_status)

    async def page(request):
        return PlainTextResponse(f"page {request.path_params['name']}",
                                 headers={"ETag": '"v1"', "Last-Modified":
                                          "Sat, 01 Nov 2025 10:00:00 GMT"})

    async def conditional(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Response(status_code=304)
        return PlainTextResponse("fresh", headers={"ETag": '"v1"'})

    async def flaky(request):
        key = request.url.path
        hits[key] += 1
        failures = int(request.query_params.get("fail", "2"))
        status = int(request.query_params.get("status", "503"))
        if hits[key] <= failures:
            headers = {}
            if "after" in request.query_params:
                headers["Retry-After"] = request.query_params["after"]
            return PlainTextResponse("try later", status_code=status, headers=headers)
        return PlainTextResponse("finally")

    async def slow(request):
        in_flight["now"] += 1
        in_flight["most"] = max(in_flight["most"], in_flight["now"])
        await asyncio.sleep(float(request.query_params.get("s", "0.2")))
        in_flight["now"] -= 1
        return PlainTextResponse("slow")

    async def huge(request):
        async def chunks():
            for _ in range(64):
                yield b"x" * 65536
        if request.query_params.get("declare"):
            return Response(b"x" * 4_000_000, media_type="application/octet-stream")
        return StreamingResponse(chunks(), media_type="application/octet-stream")

    async def hop(request):
        return RedirectResponse(redirect_to or "/page/landed", status_code=302)

    async def loop(request):
        return RedirectResponse("/loop", status_code=302)

    app = Starlette(routes=[
        Route("/robots.txt", robots_txt), Route("/page/{name}", page),
        Route("/private/{name}", page), Route("/conditional", conditional),
        Route("/flaky/{name}", flaky), Route("/slow/{name}", slow), Route("/huge", huge),
        Route("/hop", hop), Route("/loop", loop)])
    app.state.in_flight = in_flight
    return app
