"""The FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from backend import queue
from backend.api import errors
from backend.api.auth_gate import AuthGate
from backend.api.body_limit import BodyLimit
from backend.api.request_context import RequestContext
from backend.api.routes import audits, documents, health, questions
from backend.api.security_headers import SecurityHeaders
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
    docs = get_settings().docs_enabled
    app = FastAPI(
        title="docqa",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        version="0.1.0",
        summary="Answers questions about documents and highlights the evidence (AtMan).",
        lifespan=lifespan,
    )
    errors.install(app)

    # The last added is the outermost: the request id and the 500 wrap everything, and the
    # key is checked before the body limit lets the route read a byte.
    app.add_middleware(BodyLimit)
    app.add_middleware(AuthGate)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContext)

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
        return FileResponse(index)  # SecurityHeaders adds the page's policy

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")


app = create_app()
