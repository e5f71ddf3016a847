"""Faults under load on the PostgreSQL + Redis + Celery mode: the database and the broker
restart while uploads and questions arrive; afterwards every accepted upload and question is
done or failed with a reason, none lost or duplicated, and the service answers again with no
manual step. An explanation past its time limit is stopped and marked failed."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cluster
import pytest
import redis
from backend_factories import (
    SHORT_CONTRACT,
    auth,
    ingested_contract,
    make_key,
    upload,
    wait_until_final,
)
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from worker_process import start_worker, stop_worker

from backend.celery_app import celery_app
from backend.crud import questions as questions_crud
from backend.db import new_session, session_scope
from backend.models import Chunk, Document, Explanation, Question, Status
from backend.tasks import TASKS

pytestmark = pytest.mark.slow

FAST_SWEEP = {
    # The lease stays the suite worker's (it heartbeats every lease/4): a shorter one here
    # would take that worker's running explanations for dead ones.
    "DOCQA_TASK_LEASE_S": os.environ.get("DOCQA_TASK_LEASE_S", "60"),
    "DOCQA_SWEEP_INTERVAL_S": "1",
    "DOCQA_TASK_LOST_MESSAGE_S": "5",
}


def _wait_while_progressing(
    predicate: Callable[[], Any], progress: Callable[[], Any], stall_s: float, what: str
) -> None:
    """Wait for ``predicate``; fail only when ``progress()`` (a snapshot of the work, such as
    the rows' statuses and heartbeats) has not changed for ``stall_s``: a slow machine that is
    still working is waited for, a stuck one is not."""
    last, deadline = None, time.monotonic() + stall_s
    while not predicate():
        now = progress()
        if now != last:
            last, deadline = now, time.monotonic() + stall_s
        elif time.monotonic() > deadline:
            raise AssertionError(f"no progress for {stall_s:.0f} s waiting for {what}: {now}")
        time.sleep(0.5)


def _wait_for(predicate: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if value := predicate():
                return value
        except Exception:  # noqa: BLE001 - the database may still be coming back
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


class Load:
    """Uploads (and a few questions) from a background thread, recording what was accepted
    and, for each upload, the phase of the test (``phase``, set by the test) it was sent and
    answered in."""

    def __init__(self, client: TestClient, key: str, document_id: str) -> None:
        self.client, self.key, self.document_id = client, key, document_id
        self.documents: list[str] = []
        self.questions: list[str] = []
        self.statuses: list[int] = []
        self.uploads: list[tuple[str, str, int]] = []  # (phase sent, phase answered, status)
        self.phase = "before"
        self.answered = threading.Condition()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def in_phase(self, phase: str) -> list[int]:
        """Statuses of the uploads sent and answered within ``phase``."""
        return [status for sent, answered, status in self.uploads if sent == answered == phase]

    def enter(
        self, phase: str, *, uploads: int = 3, then: str | None = None, timeout_s: float = 120
    ) -> None:
        """Switch to ``phase``, wait until ``uploads`` uploads were sent and answered in it,
        then switch to ``then`` (a transition, such as a server stopping, whose outcome is not
        checked)."""
        with self.answered:
            self.phase = phase
            if not self.answered.wait_for(
                lambda: len(self.in_phase(phase)) >= uploads, timeout=timeout_s
            ):
                raise AssertionError(f"the load sent fewer than {uploads} uploads in {phase}")
            if then is not None:
                self.phase = then

    def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            body = f"NOTE {n} {uuid.uuid4().hex}\n\nThe deposit is {n} euros.\n".encode()
            phase = self.phase
            r = upload(self.client, self.key, body, f"note-{n}.txt")
            self.statuses.append(r.status_code)
            with self.answered:
                self.uploads.append((phase, self.phase, r.status_code))
                self.answered.notify_all()
            if r.status_code in (200, 202):
                self.documents.append(r.json()["id"])
            if n in (4, 12):  # explanations are slow on CPU: two, with a given answer
                r = self.client.post(
                    f"/v1/documents/{self.document_id}/questions",
                    json={"question": f"What is the fee? ({n})", "answer": "1,200 GBP"},
                    headers=auth(self.key),
                )
                self.statuses.append(r.status_code)
                if r.status_code in (200, 202):
                    self.questions.append(r.json()["id"])
            time.sleep(0.1)


def _rows(model: type[Document] | type[Question], ids: list[str]) -> list[Any]:
    with session_scope() as session:
        rows = session.scalars(select(model).where(model.id.in_([uuid.UUID(i) for i in ids])))
        return [(r.id, r.status, r.heartbeat_at, r.attempts) for r in rows]


def _final(model: type[Document] | type[Question], ids: list[str]) -> bool:
    return all(status in (Status.done, Status.failed) for _, status, _, _ in _rows(model, ids))


def test_database_and_broker_restart_under_load(
    services_client: TestClient, tmp_path: Path
) -> None:
    client = services_client
    key = make_key()
    contract = upload(client, key, SHORT_CONTRACT.encode(), "contract.txt").json()["id"]
    assert wait_until_final(client, key, f"/v1/documents/{contract}")["status"] == "done"
    worker = None
    load = Load(client, key, contract)
    try:
        # A second, ingest-only worker (no model to load) that sweeps often, so lost messages
        # are re-sent within seconds; explanations stay with the suite's worker. Supervised as
        # in docker/compose.yaml: restarted if the broker outage stops it.
        worker = start_worker(
            {**os.environ, **FAST_SWEEP},
            tmp_path / "worker.log",
            "sweepy",
            queues="ingest",
            restart=True,
        )
        _wait_for(lambda: b" ready." in (tmp_path / "worker.log").read_bytes(), 90, "worker")
        load.thread.start()
        # Each phase lasts until the load has had uploads answered in it (events, not sleeps),
        # so every outage really meets traffic however fast the machine is.
        load.enter("before", uploads=5, then="stopping postgres")
        cluster.restart_postgres(
            while_down=lambda: load.enter("postgres down", then="starting postgres")
        )
        load.enter("between", then="stopping redis")
        cluster.restart_redis(while_down=lambda: load.enter("redis down", then="starting redis"))
        load.enter("after")
        load.stop.set()
        load.thread.join(timeout=60)

        # Nothing but accepted, refused-while-down (503) or refused by backpressure.
        assert set(load.statuses) <= {200, 202, 503, 429}, sorted(set(load.statuses))
        # With the database stopped nothing can be saved: every upload sent then is refused
        # with 503, never accepted and lost. With Redis stopped, uploads are saved (202) and
        # sent once it is back; outside the outages the service accepts.
        assert set(load.in_phase("postgres down")) == {503}, load.uploads
        assert set(load.in_phase("redis down")) <= {202, 429}, load.uploads
        assert set(load.in_phase("before") + load.in_phase("after")) <= {202, 429}, load.uploads
        # The first question comes before the restarts; the second may meet one (503).
        assert 1 <= len(load.questions) <= 2
        try:
            _wait_while_progressing(
                lambda: _final(Document, load.documents),
                lambda: _rows(Document, load.documents),
                300,
                "every upload to finish",
            )
            _wait_while_progressing(
                lambda: _final(Question, load.questions),
                lambda: _rows(Question, load.questions),
                300,
                "every question to finish",
            )
        except AssertionError as stuck:
            # The sweeping worker re-sends lost messages: say whether it was alive and sweeping.
            tail = (tmp_path / "worker.log").read_text(errors="replace")[-6000:]
            raise AssertionError(
                f"{stuck}\nsweepy supervisor exit code {worker.poll()}; log tail:\n{tail}"
            ) from stuck
    finally:
        load.stop.set()
        stop_worker(worker)

    with session_scope() as session:
        ids = [uuid.UUID(i) for i in load.documents]
        docs = session.scalars(select(Document).where(Document.id.in_(ids))).all()
        assert len(docs) == len(set(ids))  # none lost
        for doc in docs:
            assert doc.status == Status.done or doc.error, (doc.id, doc.status)
            chunks = session.execute(
                select(func.count(), func.count(func.distinct(Chunk.index))).where(
                    Chunk.document_id == doc.id
                )
            ).one()
            assert chunks[0] == chunks[1]  # ingested once, not twice
        tenant_docs = session.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.tenant_id == docs[0].tenant_id)
        )
        assert tenant_docs == len(set(ids)) + 1  # no extra rows from retries
        for qid in {uuid.UUID(i) for i in load.questions}:
            row = session.get(Question, qid)
            assert row.status == Status.done or row.error, (qid, row.status)
            results = session.scalar(
                select(func.count()).select_from(Explanation).where(Explanation.question_id == qid)
            )
            assert results == (1 if row.status == Status.done else 0)

    # The service answers again by itself: ready, and new work gets done by the usual worker.
    assert client.get("/readyz").json()["status"] == "ok"
    r = upload(client, key, b"AFTER\n\nEverything works again.\n", "after.txt")
    assert r.status_code == 202
    assert (
        wait_until_final(client, key, f"/v1/documents/{r.json()['id']}", timeout_s=120)["status"]
        == "done"
    )


def test_an_explanation_past_its_time_limit_is_failed_with_a_reason(
    services: None, tmp_path: Path
) -> None:
    # A private Redis database, so only the worker started here sees the task.
    broker = os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0] + "/3"
    redis.Redis.from_url(broker).flushdb()
    env = {**os.environ, "CELERY_BROKER_URL": broker, "DOCQA_TASK_TIME_LIMIT_S": "1"}
    session = new_session()
    try:
        tenant, doc = ingested_contract(session, f"slow-{uuid.uuid4().hex[:8]}", "c.txt")
        question, _ = questions_crud.create_question(
            session,
            tenant=tenant,
            document=doc,
            question=f"Who pays? ({uuid.uuid4().hex[:6]})",
            answer=None,
            settings={"granularity": "word"},
        )
        question_id = question.id
    finally:
        session.close()
    worker = None
    try:
        worker = start_worker(env, tmp_path / "slow.log", "slow")
        _wait_for(lambda: b" ready." in (tmp_path / "slow.log").read_bytes(), 90, "worker")
        with celery_app.connection_for_write(broker) as conn:
            # As backend.queue.publish sends it: no limits in the message, the worker's own rule.
            TASKS["explain"].apply_async(
                args=[str(question_id)], connection=conn, time_limit=None, soft_time_limit=None
            )

        def final() -> Question | None:
            with session_scope() as s:
                row = s.get(Question, question_id)
                return row if row.status in (Status.done, Status.failed) else None

        row = _wait_for(final, 120, "the time limit")
    finally:
        stop_worker(worker)
        redis.Redis.from_url(broker).flushdb()
    assert row.status == Status.failed
    assert row.error_code == "timeout"
    assert row.error == "the explanation took longer than the 1 s time limit"
