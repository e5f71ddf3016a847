"""A size limit on every request body, counting the bytes actually received.

A declared Content-Length over the limit is refused before anything is read; a chunked body
(or one that lies about its length) is counted as it arrives and refused with 413 as soon as
it passes the limit, so no route ever holds more than its limit in memory or on disk.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings, get_settings

# Multipart framing around an uploaded file (boundaries, part headers, small form fields).
MULTIPART_SLACK = 64 * 1024
MIB = 1024 * 1024


def _mib(n: int) -> str:
    return f"{n / MIB:g} MiB" if n >= MIB else f"{n // 1024} KiB"


def limit_for(method: str, path: str, settings: Settings) -> tuple[int, str]:
    """The most body bytes a request may send, and what the 413 calls that limit."""
    if method == "POST" and path == "/v1/documents":
        file_limit = settings.max_upload_mb * MIB
        return file_limit + MULTIPART_SLACK, f"file too large: the limit is {_mib(file_limit)}"
    if method == "POST" and path == "/v1/audits":
        audit_limit = settings.max_audit_mb * MIB
        return (
            audit_limit + MULTIPART_SLACK,
            f"request too large: an audit may be at most {_mib(audit_limit)}",
        )
    body_limit = settings.max_body_kb * 1024
    return body_limit, f"request body too large: the limit is {_mib(body_limit)}"


class BodyTooLargeError(HTTPException):
    """Raised from ``receive`` once the body passes its limit; FastAPI answers it as any
    HTTPException (its body parsing re-raises HTTPExceptions untouched)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, message = limit_for(scope["method"], scope["path"], get_settings())
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await JSONResponse({"detail": message}, status_code=413)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(message)
            return event

        async def tracking_send(event: Message) -> None:
            nonlocal started
            started = started or event["type"] == "http.response.start"
            await send(event)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError as exc:
            # Read outside FastAPI's handlers (a middleware, a mounted app): answer it here.
            if started:
                raise
            await JSONResponse({"detail": exc.detail}, status_code=413)(scope, receive, send)
