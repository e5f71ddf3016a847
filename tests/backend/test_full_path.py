"""Upload a real PDF, ask, poll, read the evidence: on the embedded default and through
PostgreSQL + Redis + a Celery worker, with the real bundled model."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from backend_factories import (
    SHORT_CONTRACT,
    auth,
    contract_pdf,
    make_key,
    text_pdf,
    upload,
    wait_until_final,
)
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.db import session_scope
from backend.models import EvidenceSpan, Explanation

pytestmark = pytest.mark.slow

QUESTION = "What is the pay per hour?"
ANSWER = "28.50 GBP per hour"


def _check_explanation(body: dict[str, Any], text: str, *, evidence_holds: str) -> None:
    assert body["status"] == "done", body
    assert body["document"]["chars"] == len(text)
    assert body["method"]["name"] == "atman"
    assert body["units"], body
    for unit in body["units"]:
        assert 0 <= unit["start"] < unit["end"] <= len(text)
        assert unit["page"] >= 1
    # Both documents answer the question: the answer draws on them (grounded), and its top
    # evidence is the clause that says so. The verdict (bundled model: two-way, README) is
    # reported with the evidence it checked; "supported" is its label.
    assert body["grounded"] is True, body
    verdict = body["verdict"]
    assert verdict["label"] in ("supported", "not_in_document"), verdict
    assert body["supported"] is (verdict["label"] == "supported")
    assert verdict["evidence"], verdict
    for span in verdict["evidence"]:
        assert text[span["start"] : span["end"]] == span["text"]
    evidence = body["evidence"]
    assert evidence and evidence_holds in evidence[0]["text"], evidence
    scores = [e["score"] for e in evidence]
    assert scores == sorted(scores, reverse=True)
    for span in evidence:
        # Offsets point into the document text the API returns.
        assert text[span["start"] : span["end"]] == span["text"]
    assert body["cost"]["forward_passes"] > 0
    timings = body["timings"]
    assert timings["explain_s"] > 0 and timings["queue_wait_s"] >= 0


def _ask(api: TestClient, key: str, doc_id: str, **body: Any) -> tuple[int, str]:
    r = api.post(f"/v1/documents/{doc_id}/questions", json=body, headers=auth(key))
    assert r.status_code in (200, 202), r.text
    return r.status_code, r.json()["id"]


def _full_path(
    api: TestClient,
    pdf: Path,
    *,
    question: str,
    answer: str | None,
    evidence_holds: str,
    timeout_s: float,
) -> None:
    key = make_key()
    r = upload(api, key, pdf.read_bytes(), pdf.name)
    doc_id = r.json()["id"]
    # Asked at once, as a client would: a question whose document is still being ingested
    # waits for it (the task retries) instead of failing.
    status, question_id = _ask(api, key, doc_id, question=question, answer=answer)
    assert status == 202
    doc = wait_until_final(api, key, f"/v1/documents/{doc_id}")
    assert doc["status"] == "done", doc
    text = doc["text"]
    body = wait_until_final(api, key, f"/v1/questions/{question_id}", timeout_s=timeout_s)
    _check_explanation(body, text, evidence_holds=evidence_holds)
    if answer is None:
        assert body["answer_source"] == "generated" and body["answer"].strip()
    else:
        assert body["answer"] == answer and body["answer_source"] == "given"

    # Asked again with the same settings: served from the database, nothing recomputed.
    status, again = _ask(api, key, doc_id, question=f"  {question} ", answer=answer)
    assert (status, again) == (200, question_id)
    assert api.get(f"/v1/questions/{again}", headers=auth(key)).json() == body
    with session_scope() as session:
        rows = session.scalar(
            select(func.count())
            .select_from(Explanation)
            .where(Explanation.question_id == uuid.UUID(question_id))
        )
        spans = session.scalar(
            select(func.count())
            .select_from(EvidenceSpan)
            .join(Explanation)
            .where(Explanation.question_id == uuid.UUID(question_id))
        )
    assert rows == 1 and spans == len(body["evidence"])


def test_full_path_embedded(embedded_model: None, client: TestClient, tmp_path: Path) -> None:
    pdf = contract_pdf(tmp_path)
    _full_path(client, pdf, question=QUESTION, answer=ANSWER, evidence_holds="28.50", timeout_s=600)


def test_full_path_through_the_worker(services_client: TestClient, tmp_path: Path) -> None:
    # The model generates the answer here; the worker process loads its own model. A short
    # PDF: the long contract is explained above, this checks the path through the worker.
    pdf = text_pdf(SHORT_CONTRACT, tmp_path / "service_agreement.pdf")
    _full_path(
        services_client,
        pdf,
        question="How much is the monthly fee?",
        answer=None,
        evidence_holds="1,200 GBP per month",
        timeout_s=600,
    )
    # One worker process, one model load, however many tasks it has run.
    # scripts/services.sh, which services_client needs, always sets DOCQA_SERVICES_DIR.
    log = Path(os.environ["DOCQA_SERVICES_DIR"]) / "worker.log"
    loads = [line for line in log.read_text().splitlines() if '"msg": "model loaded"' in line]
    assert len(loads) == 1, loads
