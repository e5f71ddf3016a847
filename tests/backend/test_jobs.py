"""The task bodies on a real database: claims, idempotency, failures, the sweeper."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from backend_factories import CONTRACT_TXT
from sqlalchemy import func, select, update

from backend.crud import documents as documents_crud
from backend.crud import questions as questions_crud
from backend.crud import tenants
from backend.db import new_session, session_scope
from backend.jobs import claims, explain_question, ingest_document, sweeper
from backend.jobs.errors import DocumentNotReady
from backend.models import Chunk, Document, Question, Status, utcnow


def _document(data: bytes = b"", filename: str = "contract.txt") -> uuid.UUID:
    session = new_session()
    try:
        tenant = tenants.get_or_create_tenant(session, name=f"t-{uuid.uuid4().hex[:8]}")
        doc, created = documents_crud.create_document(
            session,
            tenant=tenant,
            filename=filename,
            content_type=None,
            data=data or CONTRACT_TXT.read_bytes(),
        )
        assert created
        return doc.id
    finally:
        session.close()


def _question(document_id: uuid.UUID) -> uuid.UUID:
    session = new_session()
    try:
        doc = session.get(Document, document_id)
        tenant = tenants.get_or_create_tenant(session, name=f"q-{uuid.uuid4().hex[:8]}")
        doc.tenant_id = tenant.id
        session.commit()
        row, _ = questions_crud.create_question(
            session,
            tenant=tenant,
            document=doc,
            question="Pay?",
            answer="28.50 GBP",
            settings={"granularity": "paragraph", "answer": "28.50 GBP"},
        )
        return row.id
    finally:
        session.close()


def _row(model, row_id):  # type: ignore[no-untyped-def]
    with session_scope() as session:
        row = session.get(model, row_id)
        session.expunge(row)
        return row


def test_ingest_runs_once(database: str) -> None:
    doc_id = _document()
    assert ingest_document.run(doc_id) == Status.done
    assert ingest_document.run(doc_id) is None  # a duplicate delivery does nothing
    with session_scope() as session:
        chunks = session.scalar(select(func.count()).where(Chunk.document_id == doc_id))
    row = _row(Document, doc_id)
    assert row.status == Status.done and row.attempts == 1
    assert chunks >= 5 and row.n_chars == len(row.text)


def test_ingest_error_is_stored(database: str) -> None:
    doc_id = _document(b"%PDF-1.4\nnot really a pdf", "broken.pdf")
    assert ingest_document.run(doc_id) == Status.failed
    row = _row(Document, doc_id)
    assert row.status == Status.failed and row.error_code and "broken.pdf" in row.error


def test_claim_is_exclusive_and_the_final_write_guarded(database: str) -> None:
    doc_id = _document()
    with session_scope() as session:
        token = claims.claim(session, Document, doc_id)
        assert token is not None
        assert claims.claim(session, Document, doc_id) is None
    with session_scope() as session:
        assert not claims.finish(session, Document, doc_id, uuid.uuid4(), status=Status.done)
        assert claims.finish(session, Document, doc_id, token, status=Status.done)
    assert _row(Document, doc_id).status == Status.done


def test_question_waits_for_its_document_and_fails_with_it(database: str) -> None:
    doc_id = _document(b"%PDF-1.4\nnot really a pdf", "broken.pdf")
    question_id = _question(doc_id)
    with pytest.raises(DocumentNotReady):
        explain_question.run(question_id)
    assert _row(Question, question_id).status == Status.queued
    ingest_document.run(doc_id)
    assert explain_question.run(question_id) == Status.failed
    row = _row(Question, question_id)
    assert row.error_code == "document_failed"
    assert row.error.startswith("the document could not be ingested: ")


def test_sweeper_requeues_dead_work_and_gives_up_eventually(database: str) -> None:
    stale_id, fresh_id, hopeless_id, unsent_id = (_document() for _ in range(4))
    long_ago = utcnow() - timedelta(hours=2)
    with session_scope() as session:
        for row_id in (stale_id, fresh_id, hopeless_id):
            assert claims.claim(session, Document, row_id) is not None
        session.execute(
            update(Document)
            .where(Document.id.in_([stale_id, hopeless_id]))
            .values(heartbeat_at=long_ago)
        )
        session.execute(update(Document).where(Document.id == hopeless_id).values(attempts=99))
        session.execute(
            update(Document)
            .where(Document.id == unsent_id)
            .values(heartbeat_at=None, created_at=long_ago)
        )
    sent: list[tuple[str, uuid.UUID]] = []
    result = sweeper.sweep(lambda kind, row_id: sent.append((kind, row_id)))
    mine = {stale_id, fresh_id, hopeless_id, unsent_id}
    assert sorted(x for x in sent if x[1] in mine) == sorted(
        [("ingest", stale_id), ("ingest", unsent_id)]
    )
    assert [x for x in result if x[1] in mine] == [x for x in sent if x[1] in mine]
    assert _row(Document, stale_id).status == Status.queued
    assert _row(Document, fresh_id).status == Status.running
    hopeless = _row(Document, hopeless_id)
    assert (hopeless.status, hopeless.error_code) == (Status.failed, "worker_lost")
    # The re-queued row is claimable again; the old claim's final write no longer lands.
    assert ingest_document.run(stale_id) == Status.done
    assert _row(Document, stale_id).attempts == 2
