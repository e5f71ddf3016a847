"""A `docqa worker` process of a test's own (a private broker database, its own settings)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def start_worker(
    env: dict[str, str],
    log: Path,
    name: str,
    queues: str | None = None,
    *,
    restart: bool = False,
) -> subprocess.Popen[bytes]:
    """One worker process, concurrency 1, logging to ``log``; ``queues`` defaults to all.

    ``restart``: run it as docker/compose.yaml does (``restart: unless-stopped``), started again
    whenever it exits. Celery's Redis transport can itself stop the worker while the broker is
    down (an AttributeError in kombu's restore of unacknowledged messages, celery/kombu#582), so a
    deployment relies on its supervisor for that.
    """
    argv = (
        [sys.executable, "-m", "cli.main", "worker", "--concurrency", "1"]
        + ["--hostname", f"{name}@%h"]
        + (["--queues", queues] if queues else [])
    )
    if restart:
        argv = ["bash", "-c", 'while :; do "$@"; sleep 1; done', "supervisor", *argv]
    # Its own session (process group), so stopping it takes the pool children with it.
    return subprocess.Popen(
        argv,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
