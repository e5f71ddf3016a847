"""Which queued row runs next: fair across tenants, oldest first within a tenant.

The database is the queue of record; a broker message (or an embedded submit) only wakes a
runner, which then claims the next row here. The next tenant served is the one with the fewest
rows running, then the one served least recently (round-robin), then the one waiting longest,
so a tenant with thousands of rows queued delays another tenant's first row by at most the job
each runner is busy with.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.jobs import claims
from backend.jobs.claims import TaskModel
from backend.models import Status

# Another runner may claim the chosen row between our read and our UPDATE; then choose again.
CLAIM_TRIES = 5
_NEVER = datetime.min


def _naive(value: datetime | None) -> datetime:
    # SQLite hands back naive datetimes, PostgreSQL aware ones; both are UTC.
    return _NEVER if value is None else value.replace(tzinfo=None)


def next_row(session: Session, model: TaskModel, ready: Any = None) -> uuid.UUID | None:
    """The id of the queued row to run next (``ready``: an extra condition a row must meet)."""
    queued = [model.status == Status.queued]
    if ready is not None:
        queued.append(ready)
    waiting = {
        tenant: _naive(oldest)
        for tenant, oldest in session.execute(
            select(model.tenant_id, func.min(model.created_at))
            .where(*queued)
            .group_by(model.tenant_id)
        ).all()
    }
    if not waiting:
        return None
    mine = model.tenant_id.in_(waiting)
    running = dict(
        session.execute(
            select(model.tenant_id, func.count())
            .where(mine, model.status == Status.running)
            .group_by(model.tenant_id)
        ).all()
    )
    served = {
        tenant: _naive(last)
        for tenant, last in session.execute(
            select(model.tenant_id, func.max(model.started_at))
            .where(mine, model.started_at.is_not(None))
            .group_by(model.tenant_id)
        ).all()
    }
    tenant = min(
        waiting,
        key=lambda t: (running.get(t, 0), served.get(t, _NEVER), waiting[t], str(t)),
    )
    return session.scalar(
        select(model.id)
        .where(*queued, model.tenant_id == tenant)
        .order_by(model.created_at, model.id)
        .limit(1)
    )


def claim_next(
    session: Session, model: TaskModel, ready: Any = None
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """Claim the next row fairly; its id and claim token, or None when nothing is ready."""
    for _ in range(CLAIM_TRIES):
        row_id = next_row(session, model, ready)
        if row_id is None:
            return None
        token = claims.claim(session, model, row_id, ready)
        if token is not None:
            return row_id, token
    return None
