"""Send a job to the workers: Celery when a broker is configured, else in-process threads."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from backend import logs
from backend.jobs import sweeper
from backend.jobs.errors import TRANSIENT_ERRORS
from backend.jobs.registry import JOBS
from core.settings import get_settings

log = logging.getLogger(__name__)

MAX_RETRIES = 8


class EmbeddedRunner:
    """Runs jobs on a small thread pool inside the API process (the embedded default)."""

    def __init__(self, threads: int = 1) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="docqa-job")
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    def submit(self, kind: str, row_id: uuid.UUID, attempt: int = 0) -> None:
        if self._stop.is_set():
            return
        self._pool.submit(self._run, kind, row_id, attempt)

    def _run(self, kind: str, row_id: uuid.UUID, attempt: int) -> None:
        job = JOBS[kind]
        token = logs.task_id.set(f"embedded-{uuid.uuid4().hex[:12]}")
        t0 = time.perf_counter()
        try:
            status = job.run(row_id)
            log.info(
                "task finished",
                extra={
                    "task": job.name,
                    "row_id": str(row_id),
                    "status": status,
                    "seconds": round(time.perf_counter() - t0, 3),
                },
            )
        except TRANSIENT_ERRORS:
            if attempt >= MAX_RETRIES:
                log.exception("task gave up", extra={"task": job.name, "row_id": str(row_id)})
                return
            delay = min(2.0 * 2**attempt, 60.0)
            log.info("task retry", extra={"task": job.name, "row_id": str(row_id), "delay": delay})
            timer = threading.Timer(delay, self.submit, args=(kind, row_id, attempt + 1))
            timer.daemon = True
            timer.start()
        except Exception:
            log.exception("task crashed", extra={"task": job.name, "row_id": str(row_id)})
        finally:
            logs.task_id.reset(token)

    def start(self) -> None:
        """Pick up what a previous process left queued or running, then sweep periodically."""
        sweeper.sweep(self.submit, lease_s=0, lost_after_s=0)
        interval = get_settings().sweep_interval_s

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    sweeper.sweep(self.submit)
                except Exception:
                    log.warning("sweep failed", exc_info=True)

        self._sweeper = threading.Thread(target=loop, name="docqa-sweeper", daemon=True)
        self._sweeper.start()

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


def enqueue(kind: str, row_id: uuid.UUID) -> None:
    if get_settings().embedded:
        embedded_runner().submit(kind, row_id)
    else:
        from backend.tasks import enqueue as celery_enqueue

        celery_enqueue(kind, row_id)
