"""The one queue module: how a job reaches a runner, in both modes, and the one sweeper loop.

The database is the queue of record (a row is queued until a runner claims it); what is sent
here is only a wake-up for one runner, which then claims the next row fairly across tenants
(``backend.jobs.fair``). With a broker configured the wake-up is a Celery message (the tasks
are in ``backend.tasks``); without one, a submit to the in-process thread pool. ``send`` is the
one place that sends, or marks the row unsent so the sweeper sends it again soon.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import update

from backend import logs
from backend.celery_app import configured
from backend.db import session_scope
from backend.jobs import runner, sweeper
from backend.jobs.errors import TRANSIENT_ERRORS
from backend.jobs.registry import JOBS
from backend.models import Status
from core.settings import get_settings

log = logging.getLogger(__name__)

# Publishing gives up instead of blocking: a request or a sweep must never hang on a broker that
# is restarting. The row stays queued (marked unsent) and a later sweep sends it.
PUBLISH_RETRY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# The sweeper publishes over its own connection with these: the pooled one is shared with the
# worker's consumer, and a publish stuck on it after a broker restart would stop every later
# sweep (a lost message would then wait for another worker's sweeper).
SWEEP_SOCKET_TIMEOUTS = {"socket_timeout": 10, "socket_connect_timeout": 5}


def send(kind: str, row_id: uuid.UUID, connection: Any = None) -> bool:
    """Wake a runner for ``kind`` (``row_id``: the row that caused it, for the logs). False
    when the broker refused: the row is then marked unsent for the next sweep."""
    try:
        if get_settings().embedded:
            embedded_runner().submit(kind)
        else:
            publish(kind, row_id, connection)
        return True
    except Exception:
        log.warning("enqueue failed", extra={"kind": kind, "row_id": str(row_id)}, exc_info=True)
        mark_not_sent(kind, row_id)
        return False


def publish(kind: str, row_id: uuid.UUID, connection: Any = None) -> None:
    job = JOBS[kind]
    # No time limits in the message: Celery would otherwise copy the *sender's* (the API's)
    # DOCQA_TASK_TIME_LIMIT_S into it and the worker would obey that, not its own setting.
    configured().send_task(
        job.name,
        args=[str(row_id)],
        queue=job.queue,
        time_limit=None,
        soft_time_limit=None,
        retry_policy=PUBLISH_RETRY,
        connection=connection,
    )


def mark_not_sent(kind: str, row_id: uuid.UUID) -> None:
    """Let the sweeper send the row at its next pass, not after the lost-message delay (best
    effort: the database may be down as well; then the lost-message delay applies)."""
    model = JOBS[kind].model
    try:
        with session_scope() as session:
            session.execute(
                update(model)
                .where(model.id == row_id, model.status == Status.queued)
                .values(heartbeat_at=None)
            )
    except Exception:
        log.warning("could not mark row unsent", extra={"row_id": str(row_id)}, exc_info=True)


def run_and_follow(kind: str, row_id: uuid.UUID | None = None) -> runner.Outcome | None:
    """Run one row of ``kind`` (the next one fairly, or ``row_id`` if it is queued and ready)
    and send the wake-ups its outcome asks for; both modes run jobs through here."""
    outcome = runner.run(JOBS[kind], row_id)
    for next_kind, next_id in outcome.wake if outcome else ():
        send(next_kind, next_id)
    return outcome


def sweep_once(*, lease_s: float | None = None, lost_after_s: float | None = None) -> list:
    """One sweep (see ``backend.jobs.sweeper``); with a broker, over its own connection."""
    if get_settings().embedded:
        return sweeper.sweep(send, lease_s=lease_s, lost_after_s=lost_after_s)
    with configured().connection_for_write(transport_options=SWEEP_SOCKET_TIMEOUTS) as conn:
        return sweeper.sweep(
            lambda kind, row_id: send(kind, row_id, connection=conn),
            lease_s=lease_s,
            lost_after_s=lost_after_s,
        )


def start_sweeper(stop: threading.Event) -> threading.Thread:
    """The one sweeper loop, in the embedded server and in each Celery worker: sweep now and
    every ``Settings.sweep_interval_s`` until ``stop`` is set."""

    def loop() -> None:
        while True:
            try:
                sweep_once()
            except Exception:
                log.warning("sweep failed", exc_info=True)
            if stop.wait(get_settings().sweep_interval_s):
                return

    thread = threading.Thread(target=loop, name="docqa-sweeper", daemon=True)
    thread.start()
    log.info("sweeper every %.0f s", get_settings().sweep_interval_s)
    return thread


class EmbeddedRunner:
    """Runs jobs on a small thread pool inside the API process (the embedded default)."""

    def __init__(self, threads: int = 1) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="docqa-job")
        self._stop = threading.Event()

    def submit(self, kind: str, attempt: int = 0) -> None:
        if self._stop.is_set():
            return
        self._pool.submit(self._run, kind, attempt)

    def _run(self, kind: str, attempt: int) -> None:
        job = JOBS[kind]
        token = logs.task_id.set(f"embedded-{uuid.uuid4().hex[:12]}")
        try:
            run_and_follow(kind)
        except TRANSIENT_ERRORS:
            # The row went back to the queue; a later wake-up claims it (or another) again.
            if attempt >= job.retry.max_retries:
                log.exception("task gave up", extra={"task": job.name})
                return
            delay = job.retry.delay(attempt)
            log.info("task retry", extra={"task": job.name, "delay": delay})
            timer = threading.Timer(delay, self.submit, args=(kind, attempt + 1))
            timer.daemon = True
            timer.start()
        except Exception:
            log.exception("task crashed", extra={"task": job.name})
        finally:
            logs.task_id.reset(token)

    def start(self) -> None:
        """Pick up what a previous process left queued or running, then sweep periodically."""
        sweep_once(lease_s=0, lost_after_s=0)
        start_sweeper(self._stop)

    def shutdown(self, wait: bool = True) -> None:
        self._stop.set()
        self._pool.shutdown(wait=wait, cancel_futures=True)


_runner: EmbeddedRunner | None = None
_runner_lock = threading.Lock()


def embedded_runner() -> EmbeddedRunner:
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = EmbeddedRunner(get_settings().embedded_threads)
        return _runner


def reset_embedded_runner(*, wait: bool = True) -> None:
    """Stop the runner (app shutdown, tests switching settings)."""
    global _runner
    with _runner_lock:
        if _runner is not None:
            _runner.shutdown(wait=wait)
        _runner = None
