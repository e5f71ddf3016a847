"""Celery tasks: one per job kind; each message wakes the worker to run the next row fairly.

The row id a message carries names the row that caused it (for the logs); the row run is the
one ``backend.jobs.fair`` chooses, so a tenant's backlog cannot hold another tenant's work
behind it. Rows are claimed with a conditional UPDATE, so messages are acknowledged late and
re-queued when their worker dies; transient errors are retried with the job's policy.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Task, signals

from backend import logs, queue
from backend.celery_app import celery_app, configured
from backend.db import get_engine
from backend.jobs import engine
from backend.jobs.errors import TRANSIENT_ERRORS
from backend.jobs.registry import JOBS
from backend.jobs.runner import Job
from core.settings import get_settings

log = logging.getLogger(__name__)


def _make_task(job: Job) -> Task:
    @celery_app.task(
        name=job.name,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=TRANSIENT_ERRORS,
        retry_backoff=job.retry.backoff_s,
        retry_backoff_max=job.retry.backoff_max_s,
        retry_jitter=True,
        max_retries=job.retry.max_retries,
    )
    def task(self: Task, cause_id: str) -> str | None:
        token = logs.task_id.set(self.request.id)
        try:
            outcome = queue.run_and_follow(job.kind)
            log.debug("wake-up handled", extra={"task": job.name, "cause_id": cause_id})
            return outcome.status if outcome else None
        finally:
            logs.task_id.reset(token)

    return task


TASKS: dict[str, Task] = {kind: _make_task(job) for kind, job in JOBS.items()}


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    # Connecting here stops Celery from installing its own (plain text) handlers.
    settings = get_settings()
    logs.setup_logging(settings.log_level, json_logs=settings.log_json)


@signals.worker_init.connect
def _configure(**_: Any) -> None:
    configured()  # the worker's own settings (broker, time limits), before its pool forks


@signals.worker_process_init.connect
def _init_process(**_: Any) -> None:
    # Connections inherited from the parent over fork must not be shared.
    get_engine().dispose(close=False)
    if get_settings().preload_model:
        engine.get_explainer()


_stop_sweeper = threading.Event()


@signals.worker_ready.connect
def _start_sweeper(**_: Any) -> None:
    queue.start_sweeper(_stop_sweeper)
    log.info("worker ready")
