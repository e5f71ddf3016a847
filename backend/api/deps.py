"""Dependencies shared by the routes: a database session and the calling tenant."""

from __future__ import annotations

import uuid
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


def authenticate(session: Session, authorization: str) -> Tenant:
    """The tenant whose active key is in the ``Authorization`` header; 401 otherwise."""
    scheme, _, token = authorization.partition(" ")
    if not authorization:
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
    return tenant


def get_current_tenant(request: Request, session: SessionDep) -> Tenant:
    # backend.api.auth_gate checked the key before the body was read and left the tenant id.
    tenant_id = getattr(request.state, "tenant_id", None)
    tenant = session.get(Tenant, uuid.UUID(tenant_id)) if tenant_id else None
    if tenant is None:
        tenant = authenticate(session, request.headers.get("authorization", ""))
        request.state.tenant_id = str(tenant.id)
    return tenant


CurrentTenant = Annotated[Tenant, Depends(get_current_tenant)]
