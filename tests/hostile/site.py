"""A hostile guidebook site: bombs, broken links, redirects out of bounds.

``hostile_site()`` is a starlette app; serve it with ``tests.crawler_server.serve``
(127.0.0.1, port 0). Its pages link to each other like a tiny guidebook, so a
real crawl with :data:`PROFILE` walks into every trap.
"""

from __future__ import annotations

import asyncio
import zlib
from functools import lru_cache

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.crawler_images import jpeg

PROFILE = """
[crawl.profile.hostile]
private_hosts = ["127.0.0.1"]
allowed_hosts = ["localhost", "127.000.000.001"]
delay = 0.0
other_links = true
photo = "img"
scope = ["/crag", "/hop", "/bomb"]
"""

INVALID_LINKS = ("http://127.0.0.1:99999/crag/x", "http://127.000.000.001/crag/x")


@lru_cache(maxsize=4)
def gzip_bomb(decoded: int, layers: int) -> bytes:
    """``decoded`` zero bytes gzipped ``layers`` times (a few KB on the wire)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    body = b"".join(deflate.compress(block) for _ in range(decoded >> 20)) + deflate.flush()
    for _ in range(layers - 1):
        body = zlib.compress(body, 9, wbits=16 + zlib.MAX_WBITS)
    return body


def _page(*links: str, body: str = "") -> HTMLResponse:
    anchors = "".join(f'<a href="{href}">{href}</a>' for href in links)
    return HTMLResponse(f"<html><body>{anchors}{body}</body></html>")


async def home(request):
    return _page("/crag", *INVALID_LINKS, "/hop/invalid", "/hop/off-site",
                 "/hop/out-of-scope", "/hop/refused")


async def crag(request):
    return _page(body='<p>a crag page that the crawl reaches after the traps</p>'
                      '<img src="/crag/slab.jpg">')


async def slab(request):
    return Response(jpeg(seed=1), media_type="image/jpeg")


async def bomb(request):
    layers = int(request.path_params["layers"])
    decoded = int(request.query_params.get("mib", "256")) << 20
    return Response(gzip_bomb(decoded, layers), media_type="text/html",
                    headers={"Content-Encoding": ", ".join(["gzip"] * layers)})


def hop(request):
    """Redirects to where a link may not lead: each must be refused at the hop."""
    port = request.url.port
    targets = {"invalid": INVALID_LINKS[0],
               "off-site": "http://example.invalid/crag",
               "out-of-scope": "/private/page",
               # on an allowed host, but at a loopback address the guard refuses
               "refused": f"http://localhost:{port}/crag"}
    return RedirectResponse(targets[request.path_params["where"]], status_code=302)


async def dupes(request):
    """One page under two spellings of its query, and links a crawler cannot follow."""
    return _page("/crag?a=1&b=2", "/crag?b=2&a=1", "mailto:guide@example.org",
                 "ftp://example.org/topos.zip")


async def stall(request):
    return _page("/crag/slow")


async def slow(request):
    """Keeps a crawl busy (for tests that stop or kill one mid-way)."""
    await asyncio.sleep(30)
    return _page()


async def private(request):
    return _page(body="<p>out of scope: never fetched</p>")


def hostile_site() -> Starlette:
    return Starlette(routes=[Route("/", home), Route("/crag", crag),
                             Route("/crag/slab.jpg", slab), Route("/crag/slow", slow),
                             Route("/bomb/{layers:int}", bomb), Route("/hop/{where}", hop),
                             Route("/private/page", private), Route("/stall", stall),
                             Route("/dupes", dupes)])
