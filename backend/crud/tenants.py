"""Tenants and API keys."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend import security
from backend.models import ApiKey, Tenant, utcnow


def get_or_create_tenant(session: Session, *, name: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is None:
        tenant = Tenant(name=name)
        session.add(tenant)
        session.flush()
    return tenant


def create_api_key(session: Session, *, tenant: Tenant, name: str | None = None) -> str:
    """Store a new key for ``tenant`` and return the token (the only time it is seen)."""
    token = security.new_token()
    session.add(
        ApiKey(
            tenant_id=tenant.id,
            prefix=security.token_prefix(token),
            key_hash=security.hash_token(token),
            name=name,
        )
    )
    session.flush()
    return token


def tenant_for_token(session: Session, *, token: str) -> Tenant | None:
    """The tenant owning an active key, or None."""
    key = session.scalar(
        select(ApiKey).where(
            ApiKey.prefix == security.token_prefix(token), ApiKey.revoked_at.is_(None)
        )
    )
    if key is None or not security.token_matches(token, key.key_hash):
        return None
    return session.get(Tenant, key.tenant_id)


def revoke_api_key(session: Session, *, prefix: str) -> bool:
    """Revoke the key whose token starts with ``prefix`` (the whole token works too)."""
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.prefix == security.token_prefix(prefix), ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount > 0


def any_key_ever(session: Session) -> bool:
    """Whether any API key was ever created, revoked ones included."""
    return session.scalar(select(func.count()).select_from(ApiKey)) > 0
