"""Backpressure: a tenant with too much queued or running work gets a clear 429."""

from __future__ import annotations

import uuid

import pytest
from backend_factories import auth, make_key, upload
from fastapi.testclient import TestClient
from sqlalchemy import update

from backend import queue
from backend.db import session_scope
from backend.models import Document, Status
from core.settings import get_settings

LIMIT = 3


@pytest.fixture
def stalled(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The embedded API with its in-process runner stopped: accepted work stays queued, as it
    does while every worker is busy. The limit is LIMIT jobs per tenant."""
    monkeypatch.setenv("DOCQA_MAX_QUEUED_PER_TENANT", str(LIMIT))
    monkeypatch.setenv("DOCQA_BACKPRESSURE_RETRY_AFTER_S", "17")
    get_settings.cache_clear()
    queue.embedded_runner().shutdown(wait=True)
    return client


def _doc(n: int) -> bytes:
    return f"CONTRACT {n}\n\nThe fee is {n} euros per month.\n".encode()


def test_over_the_limit_is_refused_with_429_and_retry_after(stalled: TestClient) -> None:
    key, other = make_key(), make_key()
    ids = []
    for n in range(LIMIT):
        r = upload(stalled, key, _doc(n), f"c{n}.txt")
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])

    r = upload(stalled, key, _doc(99), "c99.txt")
    assert r.status_code == 429
    assert r.headers["retry-after"] == "17"
    detail = r.json()["detail"]
    assert f"the limit per tenant is {LIMIT}" in detail and f"{LIMIT} uploads" in detail

    # The same bytes again queue nothing new: answered as before, not refused.
    assert upload(stalled, key, _doc(0), "c0.txt").status_code == 200
    # A question and an audit would queue work too.
    r = stalled.post(
        f"/v1/documents/{ids[0]}/questions",
        json={"question": "What is the fee?"},
        headers=auth(key),
    )
    assert r.status_code == 429 and r.headers["retry-after"] == "17"
    r = stalled.post(
        "/v1/audits",
        json={"items": [{"document": ids[0], "question": "Fee?", "answer": "0 euros"}]},
        headers=auth(key),
    )
    assert r.status_code == 429

    # Another tenant is not held back by this one's backlog.
    assert upload(stalled, other, _doc(0), "c0.txt").status_code == 202

    # Work finishing frees room again.
    with session_scope() as session:
        session.execute(
            update(Document).where(Document.id == uuid.UUID(ids[0])).values(status=Status.done)
        )
    assert upload(stalled, key, _doc(99), "c99.txt").status_code == 202
    assert upload(stalled, key, _doc(100), "c100.txt").status_code == 429


def test_zero_means_no_limit(stalled: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCQA_MAX_QUEUED_PER_TENANT", "0")
    get_settings.cache_clear()
    key = make_key()
    for n in range(LIMIT + 2):
        assert upload(stalled, key, _doc(n), f"c{n}.txt").status_code == 202


def test_429_is_in_the_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/documents", "/v1/documents/{document_id}/questions", "/v1/audits"):
        assert "429" in paths[path]["post"]["responses"], path
