"""Ingestion in a child process with a memory cap and a hard time limit.

A hostile or broken PDF must not take the worker down: pypdf runs in a forked child process
(a fork costs milliseconds; a fresh interpreter would spend a second importing), whose address
space may grow by at most the memory budget (RLIMIT_AS) and which is killed when it runs past
its time. Every way the child can end becomes a typed ``IngestError`` the job stores on the
document.
"""

from __future__ import annotations

import multiprocessing
import resource
from multiprocessing.connection import Connection
from typing import Any

from ingest import Document, IngestError, IngestLimits, load_bytes
from ingest.errors import IngestTimeoutError

# Time the child gets beyond the limit it checks itself, before it is killed.
KILL_GRACE_S = 5.0

# Fork, not spawn or forkserver: those re-import the parent's __main__ (the CLI, uvicorn).
_context = multiprocessing.get_context("fork")


class IngestMemoryError(IngestError):
    code = "ingest_memory_limit"
    http_status = 422


class IngestCrashedError(IngestError):
    code = "ingest_crashed"
    http_status = 422


def _address_space_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _child(
    conn: Connection,
    data: bytes,
    filename: str,
    limits: IngestLimits,
    target_chunks: int,
    max_memory_mb: int | None,
) -> None:
    if max_memory_mb:
        # On top of what the fork inherited (a worker holds the model's mappings already).
        cap = _address_space_bytes() + max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    outcome: tuple[str, Any]
    try:
        outcome = ("ok", load_bytes(data, filename, limits=limits, target_chunks=target_chunks))
    except IngestError as exc:
        outcome = ("error", exc)
    except MemoryError:
        outcome = ("memory", None)
    except RecursionError:
        outcome = ("crash", "objects nested too deeply")
    except Exception as exc:  # noqa: BLE001 - reported to the parent as a typed error
        outcome = ("crash", f"{type(exc).__name__}: {str(exc)[:200]}")
    del data
    try:
        conn.send(outcome)
    except MemoryError:
        conn.send(("memory", None))
    conn.close()


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
    receiver, sender = _context.Pipe(duplex=False)
    process = _context.Process(
        target=_child,
        args=(sender, data, filename, limits, target_chunks, max_memory_mb),
        name="docqa-ingest",
        daemon=True,
    )
    process.start()
    sender.close()
    timeout = None if limits.max_seconds is None else limits.max_seconds + KILL_GRACE_S
    try:
        if not receiver.poll(timeout):
            raise IngestTimeoutError(
                f"{filename}: ingestion took longer than {limits.max_seconds:g} s and was stopped."
            )
        kind, value = receiver.recv()
    except EOFError:
        kind, value = "died", None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
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
        f"{filename} could not be read (the reader stopped with exit code {process.exitcode})."
    )
