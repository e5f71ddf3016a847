"""Ingestion in a child process with a memory cap and a hard time limit.

A hostile or broken PDF must not take the worker down: pypdf runs in a forked child process
(a fork costs milliseconds; a fresh interpreter would spend a second importing), whose address
space may grow by at most the memory budget (RLIMIT_AS) and which is killed when it runs past
its time. Every way the child can end becomes a typed ``IngestError`` the job stores on the
document.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import time
from typing import Any

from ingest import Document, IngestError, IngestLimits, load_bytes
from ingest.errors import IngestTimeoutError

# Time the child gets beyond the limit it checks itself, before it is killed.
KILL_GRACE_S = 5.0


class IngestMemoryError(IngestError):
    code = "ingest_memory_limit"
    http_status = 422


class IngestCrashedError(IngestError):
    code = "ingest_crashed"
    http_status = 422


def _address_space_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _outcome(
    data: bytes,
    filename: str,
    limits: IngestLimits,
    target_chunks: int,
    max_memory_mb: int | None,
) -> tuple[str, Any]:
    if max_memory_mb:
        # On top of what the fork inherited (a worker holds the model's mappings already).
        cap = _address_space_bytes() + max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        return "ok", load_bytes(data, filename, limits=limits, target_chunks=target_chunks)
    except IngestError as exc:
        return "error", exc
    except MemoryError:
        return "memory", None
    except RecursionError:
        return "crash", "objects nested too deeply"
    except Exception as exc:  # noqa: BLE001 - reported to the parent as a typed error
        return "crash", f"{type(exc).__name__}: {str(exc)[:200]}"


def _child(write_fd: int, *args: Any) -> None:
    """Runs in the forked child; never returns (os._exit skips the parent's atexit work)."""
    code = 0
    try:
        try:
            payload = pickle.dumps(_outcome(*args))
        except MemoryError:
            payload = pickle.dumps(("memory", None))
        with os.fdopen(write_fd, "wb") as out:
            out.write(payload)
    except BaseException:  # noqa: BLE001 - nothing may escape a forked child
        code = 70
    finally:
        os._exit(code)


def _read_until(read_fd: int, deadline: float | None) -> bytes | None:
    """Everything the child writes, or None when the deadline passes first."""
    parts = []
    while True:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([read_fd], [], [], timeout)
        if not ready:
            return None
        block = os.read(read_fd, 1 << 20)
        if not block:
            return b"".join(parts)
        parts.append(block)


def load_bytes_isolated(
    data: bytes,
    filename: str,
    *,
    limits: IngestLimits,
    target_chunks: int = 50,
    max_memory_mb: int | None = 1024,
) -> Document:
    """``ingest.load_bytes`` in a child process; ``limits.max_seconds`` (plus a short grace)
    is enforced by killing it, ``max_memory_mb`` by RLIMIT_AS (None: no cap)."""
    read_fd, write_fd = os.pipe()
    # A plain fork: multiprocessing refuses to start children from Celery's (daemon) pool
    # processes, and spawn or forkserver would re-import the parent's __main__.
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(write_fd, data, filename, limits, target_chunks, max_memory_mb)
    os.close(write_fd)
    deadline = None
    if limits.max_seconds is not None:
        deadline = time.monotonic() + limits.max_seconds + KILL_GRACE_S
    payload: bytes | None = None
    try:
        payload = _read_until(read_fd, deadline)
    finally:
        os.close(read_fd)
        if payload is None:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if payload is None:
        raise IngestTimeoutError(
            f"{filename}: ingestion took longer than {limits.max_seconds:g} s and was stopped."
        )
    kind, value = pickle.loads(payload) if payload else ("died", None)
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    if kind == "memory":
        raise IngestMemoryError(
            f"{filename} needs more than {max_memory_mb} MiB of memory to read; "
            "it is probably malformed or hostile."
        )
    if kind == "crash":
        raise IngestCrashedError(f"{filename} could not be read ({value}).")
    # No answer: killed by a signal (the memory cap hit outside Python, a crash in C code).
    raise IngestCrashedError(
        f"{filename} could not be read (the reader stopped: {_describe(status)})."
    )


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
