"""Celery tasks: thin wrappers that take a row id and call the job in ``backend.jobs``.

Every task is idempotent (it claims its row with a conditional UPDATE), so it is acknowledged
late and re-queued when its worker dies; transient errors are retried with backoff.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

from celery import Task, signals

from backend import logs
from backend.celery_app import celery_app
from backend.db import get_engine
from backend.jobs import engine, sweeper
from backend.jobs.errors import TRANSIENT_ERRORS
from backend.jobs.registry import JOBS, Job
from core.settings import get_settings

log = logging.getLogger(__name__)


def _make_task(kind: str, job: Job) -> Task:
    @celery_app.task(
        name=job.name,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=TRANSIENT_ERRORS,
        retry_backoff=2,
        retry_backoff_max=60,
        retry_jitter=True,
        max_retries=10,
    )
    def task(self: Task, row_id: str) -> str | None:
        token = logs.task_id.set(self.request.id)
        t0 = time.perf_counter()
        try:
            log.info("task started", extra={"task": job.name, "row_id": row_id})
            status = job.run(uuid.UUID(row_id))
            log.info(
                "task finished",
                extra={
                    "task": job.name,
                    "row_id": row_id,
                    "status": status,
                    "seconds": round(time.perf_counter() - t0, 3),
                },
            )
            return status
        finally:
            logs.task_id.reset(token)

    return task


TASKS: dict[str, Task] = {kind: _make_task(kind, job) for kind, job in JOBS.items()}


# Publishing gives up instead of blocking: a request or a sweep must never hang on a broker that
# is restarting. The row stays queued and a later sweep sends it.
PUBLISH_RETRY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
SWEEP_SOCKET_TIMEOUTS = {"socket_timeout": 10, "socket_connect_timeout": 5}


def enqueue(kind: str, row_id: uuid.UUID, connection: Any = None) -> None:
    # No time limits in the message: Celery would otherwise copy the *sender's* (the API's)
    # DOCQA_TASK_TIME_LIMIT_S into it and the worker would obey that, not its own setting.
    TASKS[kind].apply_async(
        args=[str(row_id)],
        queue=JOBS[kind].queue,
        time_limit=None,
        soft_time_limit=None,
        retry_policy=PUBLISH_RETRY,
        connection=connection,
    )


def sweep_once() -> None:
    """One sweep, publishing over its own connection with socket timeouts: the pooled one is
    shared with the worker's consumer, and a publish stuck on it after a broker restart would
    stop every later sweep (a lost message would then wait for another worker's sweeper)."""
    with celery_app.connection_for_write(transport_options=SWEEP_SOCKET_TIMEOUTS) as conn:
        sweeper.sweep(lambda kind, row_id: enqueue(kind, row_id, connection=conn))


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    # Connecting here stops Celery from installing its own (plain text) handlers.
    settings = get_settings()
    logs.setup_logging(settings.log_level, json_logs=settings.log_json)


@signals.worker_process_init.connect
def _init_process(**_: Any) -> None:
    # Connections inherited from the parent over fork must not be shared.
    get_engine().dispose(close=False)
    if get_settings().preload_model:
        engine.get_explainer()


@signals.worker_ready.connect
def _start_sweeper(**_: Any) -> None:
    interval = get_settings().sweep_interval_s

    def loop() -> None:
        while True:
            try:
                sweep_once()
            except Exception:
                log.warning("sweep failed", exc_info=True)
            time.sleep(interval)

    threading.Thread(target=loop, name="docqa-sweeper", daemon=True).start()
    log.info("worker ready; sweeper every %.0f s", interval)
