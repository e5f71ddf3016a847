"""A bounded load test of the service on loopback, in its PostgreSQL + Redis mode.

Starts the API (uvicorn, one process) on 127.0.0.1 against the database and broker in the
environment (scripts/services.sh provides them, with one Celery worker), then sends many
concurrent uploads, some questions and status polls with httpx, while a probe calls /healthz
every 50 ms. Reports requests/s, latency percentiles, errors, the queue wait (time from
acceptance to a worker starting the job) and /healthz latency while the worker is busy.
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from backend.crud import tenants
from backend.db import session_scope
from backend.models import Document, Question

HOST = "127.0.0.1"  # loopback only


@dataclass
class Recorder:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float, response: httpx.Response | None, ok: set[int]) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        if response is None or response.status_code not in ok:
            code = "no response" if response is None else response.status_code
            self.errors.append(f"{kind}: {code}")


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {
        "n": len(ordered),
        "p50_ms": pick(0.50),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _document(n: int) -> bytes:
    return (
        f"SERVICE AGREEMENT No. {n} ({uuid.uuid4().hex[:8]})\n\n"
        f"1. Services. The Supplier cleans the Client's office number {n}.\n\n"
        f"2. Fees. The Client pays the Supplier {100 + n} EUR per month, invoiced in advance.\n\n"
        "3. Termination. Either party may end this agreement with four weeks' written notice.\n"
    ).encode()


def _make_key() -> str:
    with session_scope() as session:
        tenant = tenants.get_or_create_tenant(session, name=f"bench-load-{uuid.uuid4().hex[:8]}")
        return tenants.create_api_key(session, tenant=tenant, name="bench load")


def _queue_waits(kind: str, ids: list[str]) -> list[float]:
    """Seconds from acceptance to a worker claiming the job, from the database."""
    model = Document if kind == "documents" else Question
    with session_scope() as session:
        rows = session.execute(
            select(model.created_at, model.started_at).where(
                model.id.in_([uuid.UUID(i) for i in ids])
            )
        ).all()
    return [
        (s.replace(tzinfo=None) - c.replace(tzinfo=None)).total_seconds()
        for c, s in rows
        if s is not None
    ]


async def _timed(rec: Recorder, kind: str, ok: set[int], call: Any) -> httpx.Response | None:
    t0 = time.perf_counter()
    try:
        response = await call
    except httpx.HTTPError as exc:
        rec.add(kind, time.perf_counter() - t0, None, ok)
        rec.errors[-1] += f" ({type(exc).__name__})"
        return None
    rec.add(kind, time.perf_counter() - t0, response, ok)
    return response


async def _drive(
    base: str,
    key: str,
    *,
    uploads: int,
    questions: int,
    concurrency: int,
    max_seconds: float,
) -> dict[str, Any]:
    rec, health = Recorder(), Recorder()
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=concurrency + 4)
    stop_probe = asyncio.Event()
    busy_since: list[float] = []
    deadline = time.monotonic() + max_seconds

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as c:

        async def probe() -> None:
            async with httpx.AsyncClient(base_url=base, timeout=5) as hc:
                while not stop_probe.is_set():
                    await _timed(health, "healthz", {200}, hc.get("/healthz"))
                    await asyncio.sleep(0.05)

        probe_task = asyncio.create_task(probe())
        gate = asyncio.Semaphore(concurrency)

        async def one_upload(n: int) -> str | None:
            async with gate:
                files = {"file": (f"agreement-{n}.txt", _document(n), "text/plain")}
                r = await _timed(rec, "upload", {202}, c.post("/v1/documents", files=files))
                return r.json()["id"] if r is not None and r.status_code == 202 else None

        t_start = time.perf_counter()
        doc_ids = [i for i in await asyncio.gather(*map(one_upload, range(uploads))) if i]

        async def poll(url: str, kind: str) -> dict[str, Any] | None:
            while time.monotonic() < deadline:
                async with gate:
                    r = await _timed(rec, kind, {200}, c.get(url))
                if r is None or r.status_code != 200:
                    return None
                body = r.json()
                if body["status"] in ("done", "failed"):
                    return body
                await asyncio.sleep(0.25)
            rec.errors.append(f"{kind}: not finished within {max_seconds:g} s")
            return None

        docs = await asyncio.gather(*(poll(f"/v1/documents/{i}", "poll") for i in doc_ids))
        ready = [d["id"] for d in docs if d and d["status"] == "done"]

        async def one_question(doc_id: str, n: int) -> str | None:
            async with gate:
                body = {"question": f"What does the Client pay per month? (#{n})"}
                body["answer"] = "EUR per month"  # given: the worker only explains
                r = await _timed(
                    rec, "ask", {202}, c.post(f"/v1/documents/{doc_id}/questions", json=body)
                )
                return r.json()["id"] if r is not None and r.status_code == 202 else None

        busy_since.append(time.perf_counter())
        health_before = len(health.latencies.get("healthz", []))
        question_ids = [
            q
            for q in await asyncio.gather(
                *(one_question(d, n) for n, d in enumerate(ready[:questions]))
            )
            if q
        ]
        answers = await asyncio.gather(*(poll(f"/v1/questions/{q}", "poll") for q in question_ids))
        wall = time.perf_counter() - t_start
        stop_probe.set()
        await probe_task

    busy_health = health.latencies.get("healthz", [])[health_before:]
    all_latencies = [x for values in rec.latencies.values() for x in values]
    return {
        "requests": len(all_latencies),
        "seconds": round(wall, 2),
        "requests_per_s": round(len(all_latencies) / wall, 1),
        "errors": len(rec.errors) + len(health.errors),
        "error_samples": (rec.errors + health.errors)[:10],
        "latency": {
            "all": percentiles(all_latencies),
            **{kind: percentiles(values) for kind, values in rec.latencies.items()},
        },
        "healthz_while_worker_busy": percentiles(busy_health),
        "healthz_all": percentiles(health.latencies.get("healthz", [])),
        "documents": {
            "accepted": len(doc_ids),
            "done": len(ready),
            "queue_wait_s": _summary(_queue_waits("documents", doc_ids)),
        },
        "questions": {
            "accepted": len(question_ids),
            "done": sum(1 for a in answers if a and a["status"] == "done"),
            "queue_wait_s": _summary(_queue_waits("questions", question_ids)),
        },
    }


def _summary(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "max": round(ordered[-1], 3),
    }


def run(
    *,
    uploads: int = 60,
    questions: int = 3,
    concurrency: int = 16,
    max_seconds: float = 240.0,
    log_dir: Path | None = None,
) -> dict[str, Any]:
    """Start the API on loopback, drive the load, stop the API; returns the result dict."""
    if not (os.environ.get("DATABASE_URL") and os.environ.get("CELERY_BROKER_URL")):
        raise RuntimeError(
            "set DATABASE_URL and CELERY_BROKER_URL (e.g. `. scripts/services.sh`, which also "
            "starts one worker): the load test measures the PostgreSQL + Redis mode"
        )
    if not 1 <= uploads <= 2000 or not 0 <= questions <= 100 or not 1 <= concurrency <= 256:
        raise ValueError("bounded load only: uploads 1-2000, questions 0-100, concurrency 1-256")
    port = _free_port()
    log_path = (log_dir or Path("logs")) / "bench-load-api.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        api = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "backend.main:app", "--host", HOST]
            + ["--port", str(port), "--workers", "1", "--log-level", "warning"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://{HOST}:{port}"
            _wait_ready(base, api)
            key = _make_key()
            result = asyncio.run(
                _drive(
                    base,
                    key,
                    uploads=uploads,
                    questions=questions,
                    concurrency=concurrency,
                    max_seconds=max_seconds,
                )
            )
        finally:
            api.terminate()
            api.wait(timeout=30)
    result["config"] = {
        "uploads": uploads,
        "questions": questions,
        "concurrency": concurrency,
        "api_processes": 1,
        "mode": "postgresql+redis, one celery worker (concurrency 1)",
    }
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    return result


def _wait_ready(base: str, api: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if api.poll() is not None:
            raise RuntimeError(f"the API exited with code {api.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the API did not become ready within 60 s")
