"""The one Celery application: JSON only, late acks, one prefetched task per process."""

from __future__ import annotations

from celery import Celery

from backend.jobs.registry import JOBS
from core.settings import get_settings

settings = get_settings()

celery_app = Celery("docqa", include=["backend.tasks"])
celery_app.conf.update(
    broker_url=settings.celery_broker_url or "memory://",
    result_backend=settings.celery_result_backend,
    task_ignore_result=True,  # results live in the database, not the backend
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_routes={job.name: {"queue": job.queue} for job in JOBS.values()},
    # One explanation at a time per process: a long task must not hold others hostage.
    worker_prefetch_multiplier=1,
    task_soft_time_limit=settings.task_time_limit_s,
    task_time_limit=settings.task_time_limit_s + 60,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": max(3600, settings.task_time_limit_s * 2)},
    worker_hijack_root_logger=False,
    worker_send_task_events=False,
)
