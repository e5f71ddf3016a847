"""The claimed-job runner both jobs use: claim a row (fairly, see ``backend.jobs.fair``), keep
the claim alive, store the outcome exactly once, release the row on a transient error and fail
it with a stored reason otherwise.

A job only says how to do its work (``Job.execute``), which rows are ready (``Job.ready``) and
what follows a final state (``Job.finished``); Celery tasks and the embedded runner both call
``run`` here.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from backend.db import session_scope
from backend.jobs import claims, fair
from backend.jobs.claims import TaskModel
from backend.jobs.errors import TRANSIENT_ERRORS
from backend.models import Base, Status
from core.settings import get_settings

log = logging.getLogger(__name__)

# What a tenant reads when a job crashes on a bug; the detail (which may quote SQL or paths)
# goes to the log only.
INTERNAL_ERROR = "internal error while processing; the details are in the service log"

# (kind, row id) of rows to wake a runner for once the outcome is committed.
Wakeups = list[tuple[str, uuid.UUID]]


class JobFailed(Exception):
    """A permanent failure: ``code`` and ``message`` are stored on the row for the tenant."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Done:
    """A job's successful outcome: column values for its row and new rows to add with it."""

    values: dict[str, Any] = field(default_factory=dict)
    rows: Sequence[Base] = ()


@dataclass(frozen=True)
class RetryPolicy:
    """How transient errors are retried (Celery's autoretry and the embedded runner alike)."""

    max_retries: int = 10
    backoff_s: float = 2.0
    backoff_max_s: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.backoff_s * 2**attempt, self.backoff_max_s)


@dataclass(frozen=True)
class Job:
    kind: str
    name: str  # dotted Celery task name
    queue: str
    model: TaskModel
    execute: Callable[[uuid.UUID, float], Done]  # (row id, monotonic deadline)
    ready: Callable[[], Any] | None = None  # extra WHERE a queued row must meet to run
    # In the final transaction, whatever the outcome; returns rows to wake runners for.
    finished: Callable[[Session, uuid.UUID], Wakeups] | None = None
    retry: RetryPolicy = RetryPolicy()


@dataclass(frozen=True)
class Outcome:
    row_id: uuid.UUID
    status: str | None  # None: the claim was lost (another runner owns the row now)
    wake: Wakeups


def run(job: Job, row_id: uuid.UUID | None = None) -> Outcome | None:
    """Claim and run one row: the next one fairly, or ``row_id`` (tests, tools) if it is queued
    and ready. None when there was nothing to claim (a duplicate or spare wake-up)."""
    t0 = time.perf_counter()
    # Counted from the task's start, as Celery's own soft limit is.
    deadline = time.monotonic() + get_settings().task_time_limit_s
    with session_scope() as session:
        ready = job.ready() if job.ready else None
        if row_id is None:
            claimed = fair.claim_next(session, job.model, ready)
        else:
            token = claims.claim(session, job.model, row_id, ready)
            claimed = None if token is None else (row_id, token)
    if claimed is None:
        log.info("nothing to claim", extra={"task": job.name})
        return None
    row_id, token = claimed
    log.info("task started", extra={"task": job.name, "row_id": str(row_id)})
    outcome = _run_claimed(job, row_id, token, deadline)
    log.info(
        "task finished",
        extra={
            "task": job.name,
            "row_id": str(row_id),
            "status": outcome.status,
            "seconds": round(time.perf_counter() - t0, 3),
        },
    )
    return outcome


def _run_claimed(job: Job, row_id: uuid.UUID, token: uuid.UUID, deadline: float) -> Outcome:
    try:
        with claims.heartbeat(job.model, row_id, token):
            done = job.execute(row_id, deadline)
            with session_scope() as session:
                if not claims.finish(
                    session, job.model, row_id, token, status=Status.done, **done.values
                ):
                    session.rollback()
                    log.warning("claim lost; result dropped", extra={"row_id": str(row_id)})
                    return Outcome(row_id, None, [])
                session.add_all(done.rows)
                session.flush()
                wake = job.finished(session, row_id) if job.finished else []
        return Outcome(row_id, Status.done, wake)
    except JobFailed as exc:
        log.info("task failed", extra={"task": job.name, "row_id": str(row_id), "code": exc.code})
        code, message = exc.code, exc.message
    except TRANSIENT_ERRORS:
        claims.release(job.model, row_id, token)
        raise
    except Exception:
        # A bug, not bad input: keep the row honest instead of leaving it running.
        log.exception("task crashed", extra={"task": job.name, "row_id": str(row_id)})
        code, message = "internal_error", INTERNAL_ERROR
    with session_scope() as session:
        if not claims.finish(
            session, job.model, row_id, token, status=Status.failed, error=message, error_code=code
        ):
            log.warning("claim lost before failing", extra={"row_id": str(row_id)})
            return Outcome(row_id, None, [])
        wake = job.finished(session, row_id) if job.finished else []
    return Outcome(row_id, Status.failed, wake)
