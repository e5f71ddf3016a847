"""Fair queues across tenants with a real runner: tenant a has six questions waiting when
tenant b asks one; b's question starts after at most two of a's, not after all six (FIFO).

The questions are queued before the runner starts, so the claim order depends on the
scheduler alone, never on how fast this machine explains."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
import redis
from backend_factories import ingested_contract
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from worker_process import start_worker, stop_worker

from backend import queue
from backend.celery_app import celery_app
from backend.crud import questions as questions_crud
from backend.db import new_session, session_scope
from backend.main import create_app
from backend.models import Question, Status

pytestmark = pytest.mark.slow

A_QUESTIONS = 6
# Generous: b's question waits for at most one of a's explanations before its own.
FINISH_S = 600


def _queue_questions() -> tuple[list[uuid.UUID], uuid.UUID]:
    """Tenant a's questions, then tenant b's one (each on its tenant's ingested document)."""
    session = new_session()
    try:
        ids: dict[str, list[uuid.UUID]] = {}
        for name, count in (("a", A_QUESTIONS), ("b", 1)):
            tenant, doc = ingested_contract(session, f"fair-{name}-{uuid.uuid4().hex}")
            ids[name] = []
            for n in range(count):
                question, created = questions_crud.create_question(
                    session,
                    tenant=tenant,
                    document=doc,
                    question=f"How much notice must be given after probation? ({n})",
                    answer="four weeks' written notice",
                    settings={"granularity": "paragraph", "answer": "four weeks' written notice"},
                )
                assert created
                ids[name].append(question.id)
        return ids["a"], ids["b"][0]
    finally:
        session.close()


def _started(question_ids: list[uuid.UUID]) -> dict[uuid.UUID, object]:
    with session_scope() as session:
        return dict(
            session.execute(
                select(Question.id, Question.started_at).where(Question.id.in_(question_ids))
            ).all()
        )


def _wait_until_final(question_id: uuid.UUID, log: Path | None = None) -> None:
    deadline = time.monotonic() + FINISH_S
    while time.monotonic() < deadline:
        with session_scope() as session:
            if session.scalar(select(Question.status).where(Question.id == question_id)) in (
                Status.done,
                Status.failed,
            ):
                return
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    raise AssertionError(f"b's question did not finish within {FINISH_S} s\n{tail}")


def _assert_b_started_early(a_ids: list[uuid.UUID], b_id: uuid.UUID) -> None:
    started = _started([*a_ids, b_id])
    assert started[b_id] is not None
    before_b = [q for q in a_ids if started[q] is not None and started[q] < started[b_id]]
    assert len(before_b) <= 2, f"{len(before_b)} of a's questions started before b's"


def _forget(question_ids: list[uuid.UUID]) -> None:
    # a's remaining questions must not keep the suite's worker busy after this test (its
    # sweeper would re-send them), nor one a stopped runner left running.
    with session_scope() as session:
        session.execute(
            update(Question)
            .where(
                Question.id.in_(question_ids),
                Question.status.in_((Status.queued, Status.running)),
            )
            .values(status=Status.failed, error="left by the fairness test", error_code="test")
        )


def test_second_tenant_starts_within_one_job_embedded(embedded_model: None) -> None:
    a_ids, b_id = _queue_questions()
    try:
        # The app's start-up sweep sends one wake-up per queued row; each claims a row fairly.
        with TestClient(create_app()):
            _wait_until_final(b_id)
        _assert_b_started_early(a_ids, b_id)
    finally:
        _forget(a_ids)


@pytest.mark.services
def test_second_tenant_starts_within_one_job_on_the_celery_worker(
    services: None, tmp_path: Path
) -> None:
    # A private Redis database, so only the worker started here sees the wake-ups.
    broker = os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0] + "/5"
    redis.Redis.from_url(broker).flushdb()
    a_ids, b_id = _queue_questions()
    log = tmp_path / "worker.log"
    worker = None
    try:
        # As the API sends them: one message per question, a's six first, FIFO in the broker.
        with celery_app.connection_for_write(broker) as conn:
            for question_id in [*a_ids, b_id]:
                queue.publish("explain", question_id, conn)
        worker = start_worker({**os.environ, "CELERY_BROKER_URL": broker}, log, "fair")
        _wait_until_final(b_id, log)
        _assert_b_started_early(a_ids, b_id)
    finally:
        stop_worker(worker)  # a warm shutdown: the question it is explaining finishes
        _forget(a_ids)
        redis.Redis.from_url(broker).flushdb()
