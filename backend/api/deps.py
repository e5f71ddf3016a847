"""Dependencies shared by the routes: a database session and the calling tenant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from backend.crud import tenants
from backend.db import new_session
from backend.models import Tenant


def get_session() -> Iterator[Session]:
    session = new_session()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]

_UNAUTHORISED = {"WWW-Authenticate": "Bearer"}


def get_current_tenant(request: Request, session: SessionDep) -> Tenant:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API key: send 'Authorization: Bearer <key>'",
            headers=_UNAUTHORISED,
        )
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "malformed Authorization header: expected 'Bearer <key>'",
            headers=_UNAUTHORISED,
        )
    tenant = tenants.tenant_for_token(session, token=token)
    if tenant is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "invalid or revoked API key", headers=_UNAUTHORISED
        )
    request.state.tenant_id = str(tenant.id)
    return tenant


CurrentTenant = Annotated[Tenant, Depends(get_current_tenant)]
