"""Every error answers JSON ``{"detail": "<one readable message>"}``."""

from __future__ import annotations

import errno
import logging
import sqlite3

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend import logs
from core.validation import error_message

log = logging.getLogger(__name__)


# SQLSTATE 53100 disk_full: PostgreSQL could not extend a table file (its disk is full).
_PG_DISK_FULL = "53100"
STORAGE_FULL = "the server's storage is full; nothing was saved, try again later"
STORAGE_RETRY_AFTER_S = 60


def is_storage_full(exc: BaseException) -> bool:
    """A write refused for want of disk space: PostgreSQL's disk_full, SQLite's SQLITE_FULL
    ("database or disk is full"), or ENOSPC from the file system."""
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlstate", None) == _PG_DISK_FULL:
        return True
    if isinstance(orig, sqlite3.Error):
        return getattr(orig, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    return isinstance(orig, OSError) and orig.errno == errno.ENOSPC


def storage_full_response() -> JSONResponse:
    # 507 Insufficient Storage: the request was fine and may be sent again once space returns;
    # the failed transaction was rolled back, so what was saved before is untouched.
    log.error("storage full: a write was refused")
    return JSONResponse(
        {"detail": STORAGE_FULL},
        status_code=507,
        headers={"Retry-After": str(STORAGE_RETRY_AFTER_S)},
    )


# What a database outage raises (a full disk comes as OperationalError too).
DATABASE_ERRORS = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)


def database_error_response(exc: BaseException) -> JSONResponse:
    if is_storage_full(exc):
        return storage_full_response()
    # A database restart or outage: the client may retry; nothing was half-written.
    log.warning("database unavailable: %s", type(exc).__name__)
    return JSONResponse(
        {"detail": "the database is unavailable; try again shortly"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def internal_error_response(exc: BaseException) -> JSONResponse:
    """500 naming the request id (sent back as X-Request-ID too), the detail only in the log."""
    rid = logs.request_id.get()
    log.error("unhandled error", exc_info=(type(exc), exc, exc.__traceback__))
    return JSONResponse(
        {"detail": f"internal error (request id {rid})"},
        status_code=500,
        headers={"X-Request-ID": rid} if rid else None,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": error_message(exc.errors())}, status_code=422)

    @app.exception_handler(sqlalchemy.exc.OperationalError)
    @app.exception_handler(sqlalchemy.exc.InterfaceError)
    @app.exception_handler(sqlalchemy.exc.TimeoutError)
    async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        return database_error_response(exc)

    @app.exception_handler(OSError)
    async def os_error(request: Request, exc: OSError) -> JSONResponse:
        # ENOSPC from a file write (a spooled upload, the SQLite data folder); others are bugs.
        if is_storage_full(exc):
            return storage_full_response()
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return internal_error_response(exc)
