"""Claiming a task row, keeping the claim alive, and finishing it exactly once."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from backend.db import session_scope
from backend.models import Document, Question, Status, utcnow
from core.settings import get_settings

log = logging.getLogger(__name__)

TaskModel = type[Document] | type[Question]


def claim(
    session: Session, model: TaskModel, row_id: uuid.UUID, ready: Any = None
) -> uuid.UUID | None:
    """Move a queued row to running; the returned token proves ownership. None: not queued
    (already running elsewhere, done or failed) or not ``ready`` (an extra WHERE clause), so a
    duplicate delivery does nothing."""
    token = uuid.uuid4()
    now = utcnow()
    where = [model.id == row_id, model.status == Status.queued]
    if ready is not None:
        where.append(ready)
    result = session.execute(
        update(model)
        .where(*where)
        .values(
            status=Status.running,
            claim_token=token,
            heartbeat_at=now,
            started_at=now,
            attempts=model.attempts + 1,
            error=None,
            error_code=None,
        )
    )
    return token if result.rowcount == 1 else None


def owned(model: TaskModel, row_id: uuid.UUID, token: uuid.UUID) -> Any:
    """WHERE clause: the row is still running under our claim."""
    return (model.id == row_id) & (model.status == Status.running) & (model.claim_token == token)


def finish(
    session: Session, model: TaskModel, row_id: uuid.UUID, token: uuid.UUID, **values: Any
) -> bool:
    """Guarded final update (in the caller's transaction). False: the claim was lost."""
    values.setdefault("finished_at", utcnow())
    result = session.execute(update(model).where(owned(model, row_id, token)).values(**values))
    return result.rowcount == 1


def release(model: TaskModel, row_id: uuid.UUID, token: uuid.UUID) -> None:
    """Give the row back to the queue before a retry (best effort: the sweeper covers us)."""
    try:
        with session_scope() as session:
            session.execute(
                update(model)
                .where(owned(model, row_id, token))
                .values(status=Status.queued, claim_token=None, heartbeat_at=utcnow())
            )
    except Exception:  # the database may be the thing that is down
        log.warning("could not release claim", extra={"row_id": str(row_id)}, exc_info=True)


@contextmanager
def heartbeat(model: TaskModel, row_id: uuid.UUID, token: uuid.UUID) -> Iterator[None]:
    """Refresh ``heartbeat_at`` in the background while the body runs, so the sweeper can
    tell a slow task from a dead worker."""
    interval = max(get_settings().task_lease_s / 4, 0.2)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                with session_scope() as session:
                    session.execute(
                        update(model)
                        .where(owned(model, row_id, token))
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:
                log.warning("heartbeat failed", extra={"row_id": str(row_id)}, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{row_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
