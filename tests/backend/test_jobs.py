"""The task bodies on a real database: claims, idempotency, failures, the sweeper."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest
from backend_factories import CONTRACT_TXT, run_job
from sqlalchemy import func, select, update

from backend.crud import documents as documents_crud
from backend.crud import questions as questions_crud
from backend.crud import tenants
from backend.db import new_session, session_scope
from backend.jobs import claims, engine, fair, sweeper
from backend.jobs.runner import INTERNAL_ERROR
from backend.models import Chunk, Document, Question, Status, Tenant, utcnow

SECRET_DETAIL = "/srv/docqa/secret/path.db"


class Crashing:
    """An explainer with a bug: any use raises an exception that quotes a server path."""

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"cannot open {SECRET_DETAIL}")


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
    assert run_job("ingest", doc_id) == Status.done
    assert run_job("ingest", doc_id) is None  # a duplicate delivery does nothing
    with session_scope() as session:
        chunks = session.scalar(select(func.count()).where(Chunk.document_id == doc_id))
    row = _row(Document, doc_id)
    assert row.status == Status.done and row.attempts == 1
    assert chunks >= 5 and row.n_chars == len(row.text)


def test_ingest_error_is_stored(database: str) -> None:
    doc_id = _document(b"%PDF-1.4\nnot really a pdf", "broken.pdf")
    assert run_job("ingest", doc_id) == Status.failed
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
    assert run_job("explain", question_id) is None  # not ready: left queued, not claimed
    row = _row(Question, question_id)
    assert (row.status, row.attempts) == (Status.queued, 0)
    run_job("ingest", doc_id)
    assert run_job("explain", question_id) == Status.failed
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
    assert run_job("ingest", stale_id) == Status.done
    assert _row(Document, stale_id).attempts == 2


def test_an_unexpected_error_stores_a_generic_message_and_logs_the_detail(
    database: str, caplog: pytest.LogCaptureFixture
) -> None:
    doc_id = _document()
    question_id = _question(doc_id)
    assert run_job("ingest", doc_id) == Status.done
    # A bug, not bad input: the explainer raises an exception whose text names a file path.
    engine.set_explainer(Crashing())  # type: ignore[arg-type]
    try:
        with caplog.at_level(logging.ERROR, logger="backend.jobs.runner"):
            assert run_job("explain", question_id) == Status.failed
    finally:
        engine.set_explainer(None)
    row = _row(Question, question_id)
    assert (row.error_code, row.error) == ("internal_error", INTERNAL_ERROR)
    assert SECRET_DETAIL not in row.error
    crash = [r for r in caplog.records if r.getMessage() == "task crashed"]
    assert len(crash) == 1 and crash[0].exc_info is not None
    assert SECRET_DETAIL in str(crash[0].exc_info[1])


def _tenant_rows(names: list[str]) -> tuple[dict[str, uuid.UUID], list[tuple[str, uuid.UUID]]]:
    """One queued document per name, in order (a name repeated: that tenant's next row)."""
    session = new_session()
    try:
        tenant_ids: dict[str, uuid.UUID] = {}
        rows = []
        for n, name in enumerate(names):
            if name not in tenant_ids:
                tenant = tenants.get_or_create_tenant(session, name=f"{name}-{uuid.uuid4().hex}")
                tenant_ids[name] = tenant.id
            tenant = session.get(Tenant, tenant_ids[name])
            doc, _ = documents_crud.create_document(
                session,
                tenant=tenant,
                filename=f"{n}.txt",
                content_type=None,
                data=f"clause {n} {uuid.uuid4().hex}".encode(),
            )
            rows.append((name, doc.id))
        return tenant_ids, rows
    finally:
        session.close()


def test_claims_are_fair_across_tenants(database: str) -> None:
    # Tenant a queues three rows, then b queues two: b's first row is claimed second, not fourth.
    tenant_ids, rows = _tenant_rows(["a", "a", "a", "b", "b"])
    owner = {row_id: name for name, row_id in rows}
    mine = Document.tenant_id.in_(tenant_ids.values())  # rows other tests left are not ours
    order = []
    with session_scope() as session:
        # Nothing finishes in between (several runners): the tenant with fewer rows running wins,
        # then the one served least recently.
        claimed = [fair.claim_next(session, Document, mine) for _ in range(3)]
    assert [owner[row_id] for row_id, _ in claimed] == ["a", "b", "a"]
    for row_id, token in claimed:
        with session_scope() as session:
            assert claims.finish(session, Document, row_id, token, status=Status.done)
    while True:
        # One runner: each claim finishes before the next; the tenants take turns.
        with session_scope() as session:
            next_claim = fair.claim_next(session, Document, mine)
            if next_claim is None:
                break
            order.append(owner[next_claim[0]])
            assert claims.finish(session, Document, *next_claim, status=Status.done)
    assert order == ["b", "a"]
    # Within a tenant, oldest first.
    started = {row_id: _row(Document, row_id).started_at for _, row_id in rows}
    a_rows = [row_id for name, row_id in rows if name == "a"]
    assert sorted(a_rows, key=started.__getitem__) == a_rows
