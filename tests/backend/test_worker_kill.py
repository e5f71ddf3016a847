"""A worker killed with SIGKILL in the middle of an explanation: after a restart the question
completes, with exactly one result."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest
import redis
from backend_factories import ingested_contract
from sqlalchemy import func, select
from worker_process import start_worker, stop_worker

from backend.celery_app import celery_app
from backend.crud import questions as questions_crud
from backend.db import new_session, session_scope
from backend.models import Explanation, Question, Status
from backend.tasks import TASKS

pytestmark = pytest.mark.slow

LEASE_S = 10


def _wait_for(predicate, timeout_s: float, what: str, log: Path, poll_s: float = 0.25):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll_s)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def _status(question_id: uuid.UUID) -> tuple[str, int]:
    with session_scope() as session:
        row = session.get(Question, question_id)
        return row.status, row.attempts


def test_killed_worker_task_completes_once_after_restart(services: None, tmp_path: Path) -> None:
    # A private Redis database, so only the workers started here see the task.
    broker = os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0] + "/1"
    redis.Redis.from_url(broker).flushdb()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "DOCQA_TASK_LEASE_S": str(LEASE_S),
        "DOCQA_SWEEP_INTERVAL_S": "1",
    }
    session = new_session()
    try:
        tenant, doc = ingested_contract(session, f"kill-{uuid.uuid4().hex[:8]}")
        settings = {"granularity": "word", "answer": "four weeks' written notice"}
        question, _ = questions_crud.create_question(
            session,
            tenant=tenant,
            document=doc,
            question=f"How much notice must be given after probation? ({uuid.uuid4().hex[:6]})",
            answer=settings["answer"],
            settings=settings,
        )
        question_id = question.id
    finally:
        session.close()

    first = second = None
    log1, log2 = tmp_path / "worker1.log", tmp_path / "worker2.log"
    try:
        first = start_worker(env, log1, "doomed")
        _wait_for(lambda: b" ready." in log1.read_bytes(), 90, "the first worker", log1)
        with celery_app.connection_for_write(broker) as conn:
            TASKS["explain"].apply_async(args=[str(question_id)], connection=conn)
        # Killed as soon as the claim shows: the task still has one forward pass per word ahead
        # of it (dozens), so the kill lands inside it on any machine, fast or slow.
        _wait_for(
            lambda: _status(question_id)[0] == Status.running, 60, "the claim", log1, poll_s=0.02
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert _status(question_id) == (Status.running, 1)

        second = start_worker(env, log2, "restarted")
        # The sweeper sees the lapsed heartbeat, re-queues the row, the new worker explains it.
        final = _wait_for(
            lambda: (s := _status(question_id))[0] in (Status.done, Status.failed) and s,
            LEASE_S + 400,
            "the explanation after restart",
            log2,
        )
        assert final == (Status.done, 2), log2.read_text()[-3000:]
        time.sleep(2)  # a late duplicate delivery, if any, must not add a second result
        with session_scope() as session:
            results = session.scalar(
                select(func.count())
                .select_from(Explanation)
                .where(Explanation.question_id == question_id)
            )
            row = session.get(Question, question_id)
            assert results == 1
            assert row.result["answer"] == "four weeks' written notice"
            assert row.result["evidence"]
    finally:
        stop_worker(first, signal.SIGKILL)
        stop_worker(second)
        redis.Redis.from_url(broker).flushdb()
