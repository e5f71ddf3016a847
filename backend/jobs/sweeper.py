"""Re-queue work a dead worker left behind, re-send wake-ups for queued rows whose message was
lost, and settle audit items a finished question left unsettled (``backend.queue`` runs it, in
a Celery worker and in the embedded server alike).

Safe to run from several processes at once: every change is a conditional UPDATE, and a spare
wake-up is harmless because runners claim rows before working.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, select, update

from backend.crud import audits as audits_crud
from backend.db import session_scope
from backend.jobs.registry import JOBS
from backend.models import Status, utcnow
from core.settings import get_settings

log = logging.getLogger(__name__)

Send = Callable[[str, uuid.UUID], object]
# A queued row whose message went missing (broker restarted, enqueue failed) is re-sent after
# Settings.task_lost_message_s; a long backlog only costs a cheap duplicate message per row.


def sweep(
    send: Send,
    *,
    lease_s: float | None = None,
    lost_after_s: float | None = None,
) -> list[tuple[str, uuid.UUID]]:
    """Re-queue stale rows and hand each to ``send(kind, id)``; returns what was sent.

    The embedded server passes 0 for both at start-up: its previous process is gone, so
    everything running or queued then was left behind.
    """
    settings = get_settings()
    now = utcnow()
    lease_s = settings.task_lease_s if lease_s is None else lease_s
    if lost_after_s is None:
        lost_after_s = settings.task_lost_message_s
    stale = now - timedelta(seconds=lease_s)
    lost = now - timedelta(seconds=lost_after_s)
    never_sent = now - timedelta(seconds=min(5.0, lost_after_s))
    sent: list[tuple[str, uuid.UUID]] = []
    for kind, job in JOBS.items():
        model = job.model
        with session_scope() as session:
            dead = session.execute(
                select(model.id, model.attempts).where(
                    model.status == Status.running, model.heartbeat_at <= stale
                )
            ).all()
            for row_id, attempts in dead:
                still_dead = (
                    (model.id == row_id)
                    & (model.status == Status.running)
                    & (model.heartbeat_at <= stale)
                )
                if attempts >= settings.task_max_attempts:
                    session.execute(
                        update(model)
                        .where(still_dead)
                        .values(
                            status=Status.failed,
                            error_code="worker_lost",
                            error=f"the worker stopped during processing {attempts} times",
                            finished_at=now,
                            claim_token=None,
                        )
                    )
                    log.warning("gave up on row", extra={"kind": kind, "row_id": str(row_id)})
                    continue
                result = session.execute(
                    update(model)
                    .where(still_dead)
                    .values(status=Status.queued, claim_token=None, heartbeat_at=now)
                )
                if result.rowcount == 1:
                    sent.append((kind, row_id))
            waiting = session.scalars(
                select(model.id).where(
                    model.status == Status.queued,
                    or_(
                        (model.heartbeat_at.is_(None)) & (model.created_at <= never_sent),
                        model.heartbeat_at <= lost,
                    ),
                )
            ).all()
            for row_id in waiting:
                session.execute(update(model).where(model.id == row_id).values(heartbeat_at=now))
                sent.append((kind, row_id))
    for kind, row_id in sent:
        send(kind, row_id)  # marks the row unsent itself when the broker refuses it
    if sent:
        log.info("sweeper re-queued rows", extra={"count": len(sent)})
    with session_scope() as session:
        for audit_id in audits_crud.unsettled_audits(session):
            audits_crud.settle_items(session, audit_id=audit_id)
    return sent
