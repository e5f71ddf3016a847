"""The outermost layer: a request id for every request (logged, and sent back as
X-Request-ID), one access log line, and the 500 for anything nothing else handled.

Pure ASGI, so the id is still set when an unexpected error is logged and answered: Starlette's
own last-resort handler runs outside every middleware, where the id is already gone.
"""

from __future__ import annotations

import logging
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend import logs
from backend.api.errors import internal_error_response

log = logging.getLogger("backend.main")

MAX_REQUEST_ID = 64


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            # Printable ASCII only: the id goes into a response header and the logs.
            rid = value.decode("latin-1")[:MAX_REQUEST_ID]
            if rid.isascii() and rid.isprintable() and rid.strip():
                return rid
            break
    return uuid.uuid4().hex


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        token = logs.request_id.set(rid)
        t0 = time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if status is not None:
                raise  # the response is under way: nothing can be sent any more
            await internal_error_response(exc)(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round((time.perf_counter() - t0) * 1000, 1),
                    "tenant_id": scope.get("state", {}).get("tenant_id"),
                },
            )
            logs.request_id.reset(token)
