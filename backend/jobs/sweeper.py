"""Re-queue work a dead worker left behind, and queued rows whose message was lost.

Safe to run from several processes at once: every change is a conditional UPDATE, and a
duplicate message for a row is harmless because tasks claim rows before working.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, select, update

from backend.db import session_scope
from backend.models import Document, Question, Status, utcnow
from core.settings import get_settings

log = logging.getLogger(__name__)

KINDS = {"ingest": Document, "explain": Question}
# A queued row whose message went missing (broker restarted, enqueue failed) is re-sent after
# Settings.task_lost_message_s; a long backlog only costs a cheap duplicate message per row.


def sweep(
    enqueue: Callable[[str, uuid.UUID], None],
    *,
    lease_s: float | None = None,
    lost_after_s: float | None = None,
) -> list[tuple[str, uuid.UUID]]:
    """Re-queue stale rows and hand each to ``enqueue(kind, id)``; returns what was sent.

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
    for kind, model in KINDS.items():
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
        try:
            enqueue(kind, row_id)
        except Exception:
            log.warning(
                "re-queue failed", extra={"kind": kind, "row_id": str(row_id)}, exc_info=True
            )
            _mark_not_sent(KINDS[kind], row_id)
    if sent:
        log.info("sweeper re-queued rows", extra={"count": len(sent)})
    return sent


def _mark_not_sent(model: type[Document] | type[Question], row_id: uuid.UUID) -> None:
    """The broker is down: send the row again at the next sweep, not after the lost-message
    delay (best effort; the database may be down as well)."""
    try:
        with session_scope() as session:
            session.execute(
                update(model)
                .where(model.id == row_id, model.status == Status.queued)
                .values(heartbeat_at=None)
            )
    except Exception:
        log.warning("could not mark row unsent", extra={"row_id": str(row_id)}, exc_info=True)
