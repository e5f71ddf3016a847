"""A `docqa worker` process of a test's own (a private broker database, its own settings)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def start_worker(
    env: dict[str, str], log: Path, name: str, queues: str | None = None
) -> subprocess.Popen[bytes]:
    """One worker process, concurrency 1, logging to ``log``; ``queues`` defaults to all."""
    # Its own session (process group), so stopping it takes the pool children with it.
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "worker", "--concurrency", "1"]
        + ["--hostname", f"{name}@%h"]
        + (["--queues", queues] if queues else []),
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
