"""The FastAPI application."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from backend import logs, queue
from backend.api import errors
from backend.api.routes import audits, documents, health, questions
from core.settings import get_settings

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent / "web" / "static"


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    if settings.embedded:
        queue.embedded_runner().start()
    log.info("api started", extra={"embedded": settings.embedded})
    yield
    if settings.embedded:
        # Queued work is dropped here and picked up by the next start-up sweep; the job in
        # flight is allowed to finish so it does not write into a closing process.
        queue.reset_embedded_runner(wait=True)


def create_app() -> FastAPI:
    app = FastAPI(
        title="docqa",
        version="0.1.0",
        summary="Answers questions about documents and highlights the evidence (AtMan).",
        lifespan=lifespan,
    )
    errors.install(app)

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        rid = rid[:64]
        token = logs.request_id.set(rid)
        t0 = time.perf_counter()
        try:
            response = await call_next(request)
            response.headers["X-Request-ID"] = rid
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - t0) * 1000, 1),
                    "tenant_id": getattr(request.state, "tenant_id", None),
                },
            )
            return response
        finally:
            logs.request_id.reset(token)

    app.include_router(health.router)
    app.include_router(documents.router)
    app.include_router(questions.router)
    app.include_router(audits.router)
    _mount_web(app)
    return app


def _mount_web(app: FastAPI) -> None:
    """The web page (issue 5) lives in backend/web/static; served at / when present."""
    index = WEB_DIR / "index.html"
    if not index.is_file():
        return

    @app.get("/", include_in_schema=False)
    def read_index() -> FileResponse:
        return FileResponse(index)

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")


app = create_app()
