"""How much work a tenant has waiting or running (for backpressure)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Document, Question, Status

PENDING = (Status.queued, Status.running)


def pending_count(session: Session, *, tenant_id: uuid.UUID) -> int:
    """Documents and questions of the tenant that are queued or running."""
    total = 0
    for model in (Document, Question):
        total += (
            session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.tenant_id == tenant_id, model.status.in_(PENDING))
            )
            or 0
        )
    return total
