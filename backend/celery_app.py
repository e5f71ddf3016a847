"""The one Celery application: JSON only, late acks, one prefetched task per process.

Nothing here reads the settings at import time: ``configured()`` applies them (broker, time
limits) when a worker starts and before a message is sent, so importing this module anywhere is
safe and a process that changes its settings (tests) sends with the new ones.
"""

from __future__ import annotations

import threading

from celery import Celery

from backend.jobs.registry import JOBS
from core.settings import Settings, get_settings

celery_app = Celery("docqa", include=["backend.tasks"])
celery_app.conf.update(
    task_ignore_result=True,  # results live in the database, not the backend
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_routes={job.name: {"queue": job.queue} for job in JOBS.values()},
    # One explanation at a time per process: a long task must not hold others hostage.
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    worker_send_task_events=False,
)

_lock = threading.Lock()
_applied: Settings | None = None


def configured() -> Celery:
    """The app with the current settings applied (once per settings object)."""
    global _applied
    settings = get_settings()
    with _lock:
        if _applied is not settings:
            if _applied is not None and _applied.celery_broker_url != settings.celery_broker_url:
                celery_app.close()  # drop pooled connections to the old broker
            celery_app.conf.update(
                broker_url=settings.celery_broker_url or "memory://",
                result_backend=settings.celery_result_backend,
                task_soft_time_limit=settings.task_time_limit_s,
                task_time_limit=settings.task_time_limit_s + 60,
                broker_transport_options={
                    "visibility_timeout": max(3600, settings.task_time_limit_s * 2)
                },
            )
            _applied = settings
    return celery_app
