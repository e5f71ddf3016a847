"""Every error answers JSON ``{"detail": "<one readable message>"}``."""

from __future__ import annotations

import logging

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend import logs

log = logging.getLogger(__name__)


def _location(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


def validation_message(exc: RequestValidationError) -> str:
    messages = []
    for err in exc.errors()[:5]:
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        messages.append(f"{_location(tuple(err.get('loc', ())))}: {msg}")
    return "; ".join(messages) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_message(exc)}, status_code=422)

    @app.exception_handler(sqlalchemy.exc.OperationalError)
    @app.exception_handler(sqlalchemy.exc.InterfaceError)
    @app.exception_handler(sqlalchemy.exc.TimeoutError)
    async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        # A database restart or outage: the client may retry; nothing was half-written.
        log.warning("database unavailable: %s", type(exc).__name__)
        return JSONResponse(
            {"detail": "the database is unavailable; try again shortly"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(
            {"detail": f"internal error (request id {logs.request_id.get()})"}, status_code=500
        )
