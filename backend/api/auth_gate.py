"""Refuse a missing or wrong API key before a single byte of the body is read.

FastAPI reads and parses a route's body before it runs the route's dependencies, so the
``CurrentTenant`` dependency alone let an anonymous client have a 200 MiB upload spooled to
disk, or a 100 MiB JSON body parsed in memory, before its 401. This pure ASGI layer sits in
front of the routes: for every ``/v1`` path it looks the key up (the same
``deps.authenticate`` the dependency uses) and answers 401 without calling ``receive``; a
known tenant's id is left in the request state for the dependency.
"""

from __future__ import annotations

from anyio import to_thread
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.api.deps import authenticate
from backend.api.errors import DATABASE_ERRORS, database_error_response
from backend.db import new_session

PROTECTED_PREFIX = "/v1/"


def _authorization(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            return value.decode("latin-1")
    return ""


def _tenant_id(authorization: str) -> str:
    session = new_session()
    try:
        return str(authenticate(session, authorization).id)
    finally:
        session.close()


class AuthGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIX):
            await self.app(scope, receive, send)
            return
        try:
            # The session is synchronous: off the event loop, like the routes' own.
            tenant_id = await to_thread.run_sync(_tenant_id, _authorization(scope))
        except HTTPException as exc:
            response = JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
            await response(scope, receive, send)
            return
        except DATABASE_ERRORS as exc:
            await database_error_response(exc)(scope, receive, send)
            return
        scope.setdefault("state", {})["tenant_id"] = tenant_id
        await self.app(scope, receive, send)
