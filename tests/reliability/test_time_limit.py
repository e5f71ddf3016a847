"""The time limit in the embedded mode (SQLite, tasks on in-process threads): no signal can stop
a thread, so the engine's deadline, checked between forward passes, is what stops it. The
Celery mode is covered in test_faults.py; here, that its messages leave the limit to the worker."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from backend_factories import CONTRACT_TXT, auth, make_key, upload, wait_until_final
from celery import signals
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend import queue
from backend.db import session_scope
from backend.models import Explanation
from core.settings import get_settings


def test_an_embedded_explanation_past_its_time_limit_is_failed_with_a_reason(
    client: TestClient, embedded_model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCQA_TASK_TIME_LIMIT_S", "1")
    get_settings.cache_clear()
    key = make_key()
    doc = upload(client, key, CONTRACT_TXT.read_bytes(), "contract.txt").json()["id"]
    assert wait_until_final(client, key, f"/v1/documents/{doc}")["status"] == "done"
    # Word units over a two-page contract: hundreds of batches, minutes of work without a limit.
    r = client.post(
        f"/v1/documents/{doc}/questions",
        json={"question": "How much is the Employee paid?", "granularity": "word"},
        headers=auth(key),
    )
    assert r.status_code == 202, r.text
    body = wait_until_final(client, key, f"/v1/questions/{r.json()['id']}", timeout_s=120)
    assert body["status"] == "failed"
    assert body["error_code"] == "timeout"
    assert body["error"] == "the explanation took longer than the 1 s time limit"
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Explanation)) == 0

    # The limit belongs to one question: the runner thread is free, and the next one (a short
    # document, given answer) is explained once the limit allows it.
    monkeypatch.setenv("DOCQA_TASK_TIME_LIMIT_S", "600")
    get_settings.cache_clear()
    short = upload(client, key, b"FEES\n\nThe Client pays 1,200 GBP per month.\n", "f.txt")
    short_id = short.json()["id"]
    assert wait_until_final(client, key, f"/v1/documents/{short_id}")["status"] == "done"
    r = client.post(
        f"/v1/documents/{short_id}/questions",
        json={"question": "What is the fee?", "answer": "1,200 GBP"},
        headers=auth(key),
    )
    body = wait_until_final(client, key, f"/v1/questions/{r.json()['id']}", timeout_s=120)
    assert body["status"] == "done", body


def test_queued_tasks_carry_no_time_limit_so_the_worker_setting_rules(services: None) -> None:
    # Celery copies the sending process's task_time_limit into each message, and a worker obeys
    # the message over its own DOCQA_TASK_TIME_LIMIT_S: the API's setting would rule the workers.
    sent: list[dict[str, Any]] = []

    def capture(headers: dict[str, Any] | None = None, **_: Any) -> None:
        sent.append(headers or {})

    signals.before_task_publish.connect(capture, weak=False)
    try:
        # A spare wake-up (naming no real row): the suite's worker finds nothing to do.
        queue.publish("ingest", uuid.uuid4())
    finally:
        signals.before_task_publish.disconnect(capture)
    assert len(sent) == 1
    assert list(sent[0]["timelimit"]) == [None, None]
