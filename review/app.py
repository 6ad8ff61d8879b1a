"""The review app: pages, the JSON API behind the keys and buttons, and photo files.

Every request opens the catalog and closes it again (review.access); reads are
read-only. Writes go through review.actions, one catalog writer each.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, \
    StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from catalog.connection import default_store
from cragcat.errors import CragcatError
from review import actions, reads
from review.access import Busy, CatalogAccess
from review.guard import SameOriginGuard, new_token
from review.retrain import Retrainer
from tagger.cover_catalog import choose_covers

HERE = Path(__file__).parent
PHOTO_CACHE = "private, max-age=31536000, immutable"   # content-addressed: never changes


@dataclass
class ReviewConfig:
    """What the app needs to know, from the command's settings."""

    catalog: Path
    store: Path | None
    config: Path | None
    reviewer: str
    preload: int = 6
    batch: int = 60
    grid_size: int = 16
    busy_retry: float = 1.0
    hosts: frozenset = frozenset({"127.0.0.1", "localhost"})


class ReviewApp:
    """Holds the catalog access, the retrainer, the templates and the session token."""

    def __init__(self, config: ReviewConfig):
        self.config, self.token = config, new_token()
        self.retrainer = Retrainer(config.catalog, config.config)
        self.access = CatalogAccess(config.catalog, config.store, self.retrainer.state)
        self.store = Path(config.store or default_store(config.catalog)).resolve()
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)

    # -- helpers --------------------------------------------------------------
    def page(self, name: str, status: int = 200, **values) -> HTMLResponse:
        settings = {"preload": self.config.preload, "batch": self.config.batch,
                    "grid_size": self.config.grid_size, "busy_retry": self.config.busy_retry}
        html = self.templates.get_template(name).render(
            token=self.token, reviewer=self.config.reviewer, settings=settings, **values)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    async def read(self, fn, *args):
        def work():
            with self.access.reading() as catalog:
                return fn(catalog, *args)
        return await run_in_threadpool(work)

    async def html(self, name: str, fn, *args, key: str = "data") -> Response:
        try:
            data = await self.read(fn, *args)
        except Busy as busy:
            return self.page("busy.html", status=503, message=busy.message)
        if data is None:
            return self.page("missing.html", status=404)
        return self.page(name, **{key: data})

    def writer(self, fn, after=None):
        """An endpoint that applies ``fn(catalog, body, reviewer)`` (then ``after``)."""
        async def endpoint(request: Request) -> JSONResponse:
            return await self.write(request, fn, after)
        return endpoint

    async def write(self, request: Request, fn, after=None) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body must be JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)

        def work():
            with self.access.writing() as catalog:
                answer = fn(catalog, body, self.config.reviewer)
                if after:
                    after(catalog)
                return answer
        try:
            return JSONResponse(await run_in_threadpool(work))
        except Busy as busy:
            return JSONResponse({"busy": busy.message}, status_code=503)
        except CragcatError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)


def recover_covers(catalog) -> None:
    """Choose covers again under the current model, so a rejected or excluded cover is
    replaced by the next best photo at once (the choice itself is committed already)."""
    model = catalog.scalar("SELECT model_id FROM current_model")
    if model:
        choose_covers(catalog, model)


def build_app(config: ReviewConfig) -> Starlette:
    """The ASGI app for ``config``, wrapped in the same-origin guard."""
    review = ReviewApp(config)
    app = Starlette(routes=routes(review))
    app.state.review = review
    return SameOriginGuard(app, review.token, set(config.hosts))


def routes(review: ReviewApp) -> list:
    async def label_page(request):
        return review.page("label.html")

    async def routes_page(request):
        return await review.html("routes.html", reads.areas, key="areas")

    async def route_page(request):
        return await review.html("route.html", reads.route, request.path_params["route_id"],
                                 key="route")

    async def model_page(request):
        return await review.html("model.html", reads.runs, key="runs")

    async def progress_page(request):
        return await review.html("progress.html", reads.progress, key="progress")

    async def queue_api(request):
        # POST only for the size of leave_out (the photos the page holds or skipped).
        body = await request.json()
        limit = max(1, min(int(body.get("limit") or review.config.batch), 1000))
        leave_out = [s for s in body.get("leave_out") or [] if isinstance(s, str)]
        try:
            return JSONResponse({"photos": await review.read(reads.queue, limit, leave_out)})
        except Busy as busy:
            return JSONResponse({"busy": busy.message}, status_code=503)

    async def photo(request):
        original = request.query_params.get("size") != "thumb"
        sha = request.path_params["sha256"]
        path = reads.stored_file(review.store, sha, original)
        try:
            path = path or await review.read(reads.photo_file, sha, original)
        except Busy as busy:
            return JSONResponse({"busy": busy.message}, status_code=503)
        if path is None:
            return Response("no such photo in the catalog's store", status_code=404)
        return FileResponse(path, media_type="image/jpeg" if not original else None,
                            headers={"Cache-Control": PHOTO_CACHE})

    async def plot(request):
        return await run_plot(review, request)

    async def retrain(request):
        return await start_retrain(review)

    async def events(request):
        return await retrain_events(review, request)

    return [
        Route("/", label_page), Route("/routes", routes_page),
        Route("/routes/{route_id:int}", route_page), Route("/model", model_page),
        Route("/progress", progress_page),
        Route("/api/queue", queue_api, methods=["POST"]),
        Route("/api/labels", review.writer(actions.label), methods=["POST"]),
        Route("/api/undo", review.writer(actions.undo), methods=["POST"]),
        Route("/api/choices", review.writer(actions.choose, recover_covers), methods=["POST"]),
        Route("/api/exclusions", review.writer(actions.exclude, recover_covers),
              methods=["POST"]),
        Route("/api/retrain", retrain, methods=["POST"]),
        Route("/api/retrain/events", events),
        Route("/photos/{sha256:str}", photo),
        Route("/runs/{run_id:str}/{name:str}", plot),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


async def start_retrain(review: ReviewApp) -> JSONResponse:
    started = review.retrainer.start()
    return JSONResponse({"started": started, "run": review.retrainer.state.runs},
                        status_code=202 if started else 409)


async def retrain_events(review: ReviewApp, request: Request) -> StreamingResponse:
    """Server-sent events: every output line of the retrain, then its outcome."""
    async def lines():
        state, sent = review.retrainer.state, 0
        while True:
            while sent < len(state.lines):
                yield f"data: {json.dumps(state.lines[sent])}\n\n"
                sent += 1
            if not state.running:
                yield f"event: done\ndata: {json.dumps(state.outcome or 'idle')}\n\n"
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.3)
    return StreamingResponse(lines(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store"})


async def run_plot(review: ReviewApp, request: Request) -> Response:
    """A training run's PNG: only the plots train writes, only from that run's folder."""
    name, run_id = request.path_params["name"], request.path_params["run_id"]
    if name not in reads.PLOTS:
        return Response("not a training plot", status_code=404)
    try:
        found = await review.read(lambda c: [r for r in reads.runs(c) if r["run_id"] == run_id])
    except Busy as busy:
        return JSONResponse({"busy": busy.message}, status_code=503)
    folder = reads.run_folder(found[0]) if found else None
    if folder is None or not (folder / name).is_file():
        return Response("no such plot", status_code=404)
    return FileResponse(folder / name, media_type="image/png")
