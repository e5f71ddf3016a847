"""Refuse new work with 429 while a tenant already has too much queued or running.

One tenant filling the queue would otherwise delay every other tenant's work for hours.
The check is a count before the insert, so concurrent requests can overshoot the limit by
the number of requests in flight; that is fine for a guard against runaway clients.
"""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy.orm import Session

from backend.crud import backlog
from backend.models import Tenant
from core.settings import get_settings


def ensure_capacity(session: Session, *, tenant: Tenant, new: int = 1) -> None:
    """Raise 429 (with Retry-After) when ``new`` more jobs would exceed the tenant's limit."""
    settings = get_settings()
    limit = settings.max_queued_per_tenant
    if limit <= 0 or new <= 0:
        return
    pending = backlog.pending_count(session, tenant_id=tenant.id)
    if pending + new > limit:
        raise HTTPException(
            429,
            f"too much work queued: {pending} uploads and questions are queued or running "
            f"and the limit per tenant is {limit}; retry when some have finished",
            headers={"Retry-After": str(settings.backpressure_retry_after_s)},
        )
