"""Answer and explain one question; the result, units and evidence land in one transaction."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.db import session_scope
from backend.jobs import claims, engine
from backend.jobs.errors import TRANSIENT_ERRORS, DocumentNotReady
from backend.models import (
    Document,
    EvidenceSpan,
    Explanation,
    ExplanationUnit,
    Question,
    Status,
    utcnow,
)
from core.explanation_settings import ExplanationSettings
from core.pipeline import explain_document
from core.settings import get_settings
from ingest.document import Chunk as IngestChunk
from ingest.document import Document as IngestDocument
from ingest.document import Page

log = logging.getLogger(__name__)


def to_ingest_document(row: Document) -> IngestDocument:
    """Rebuild the ingestion result from its stored form (no re-parsing of the file)."""
    text = row.text or ""
    return IngestDocument(
        name=row.filename,
        text=text,
        pages=[Page(number=p["number"], start=p["start"], end=p["end"]) for p in row.pages or []],
        sha256=row.sha256,
        chunks=[
            IngestChunk(
                index=c.index, start=c.start, end=c.end, page=c.page, text=text[c.start : c.end]
            )
            for c in row.chunks
        ],
        kind=row.kind or "txt",
        warnings=list(row.warnings or []),
    )


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    # SQLite hands back naive datetimes; both sides are UTC.
    return (later.replace(tzinfo=None) - earlier.replace(tzinfo=None)).total_seconds()


def _check_document(session: Session, question_id: uuid.UUID) -> str | None:
    """None when the document is ready; a failure message when it never will be."""
    row = session.execute(
        select(Question.status, Document.status, Document.error)
        .join(Document, Document.id == Question.document_id)
        .where(Question.id == question_id)
    ).one_or_none()
    if row is None or row[0] != Status.queued:
        return None
    _, doc_status, doc_error = row
    if doc_status in (Status.queued, Status.running):
        raise DocumentNotReady(f"document of question {question_id} is {doc_status}")
    if doc_status == Status.failed:
        return f"the document could not be ingested: {doc_error}"
    return None


def store_result(
    session: Session,
    question_id: uuid.UUID,
    token: uuid.UUID,
    result: dict[str, Any],
    timings: dict[str, Any],
) -> bool:
    """Write the question's result and its explanation rows (caller's transaction)."""
    if not claims.finish(session, Question, question_id, token, status=Status.done, result=result):
        return False
    explanation = Explanation(
        question_id=question_id,
        answer=result["answer"],
        answer_source=result["answer_source"],
        model=result["model"],
        method=result["method"],
        supported=bool(result["supported"]),
        forward_passes=int(result["cost"]["forward_passes"]),
        seconds=float(result["cost"]["seconds"]),
        timings=timings,
        explained_chunks=result.get("explained_chunks"),
        units=[
            ExplanationUnit(
                index=u["index"], start=u["start"], end=u["end"], page=u["page"], score=u["score"]
            )
            for u in result["units"]
        ],
        evidence=[
            EvidenceSpan(
                rank=rank,
                start=e["start"],
                end=e["end"],
                page=e["page"],
                score=e["score"],
                text=e["text"],
            )
            for rank, e in enumerate(result["evidence"])
        ],
    )
    session.add(explanation)
    return True


def run(question_id: uuid.UUID) -> str | None:
    """Explain one question; returns the final status, or None when the row was not ours."""
    t_start = time.perf_counter()
    # Counted from the task's start, as Celery's own soft limit is. The engine checks it
    # between forward passes, in a Celery process or an embedded thread alike.
    deadline = time.monotonic() + get_settings().task_time_limit_s
    with session_scope() as session:
        problem = _check_document(session, question_id)
        token = claims.claim(session, Question, question_id)
    if token is None:
        log.info("question not queued; nothing to do", extra={"question_id": str(question_id)})
        return None
    if problem is not None:
        claims.fail(Question, question_id, token, code="document_failed", message=problem)
        return Status.failed
    try:
        with claims.heartbeat(Question, question_id, token):
            with session_scope() as session:
                question = session.get(Question, question_id)
                assert question is not None
                document = session.scalar(
                    select(Document)
                    .where(Document.id == question.document_id)
                    .options(selectinload(Document.chunks))
                )
                assert document is not None
                doc = to_ingest_document(document)
                settings = dict(question.settings)
                text, answer = question.question, question.answer
                queue_wait = _seconds(question.started_at, question.created_at)

            explainer, load_s = engine.get_explainer()
            t_explain = time.perf_counter()
            result = explain_document(
                doc,
                text,
                explainer=explainer,
                answer=answer,
                **ExplanationSettings.from_stored(settings).engine_options(),
                deadline=deadline,
            )
            explain_s = time.perf_counter() - t_explain
            timings = {
                "queue_wait_s": queue_wait,
                "model_load_s": load_s,
                "explain_s": explain_s,
                "total_s": time.perf_counter() - t_start,
                "finished_at": utcnow().isoformat(),
            }
            with session_scope() as session:
                if not store_result(session, question_id, token, result, timings):
                    session.rollback()
                    log.warning(
                        "claim lost; result dropped", extra={"question_id": str(question_id)}
                    )
                    return None
    except TRANSIENT_ERRORS:
        claims.release(Question, question_id, token)
        raise
    except Exception as exc:
        # The engine's typed errors (explain_engine.ExplainError: a question too long for the
        # model, a model that cannot load) carry a code; anything else is a bug.
        code = getattr(exc, "code", None)
        # The engine's deadline (code "timeout") or Celery's soft per-task time limit.
        if code == "timeout" or type(exc).__name__ == "SoftTimeLimitExceeded":
            limit = get_settings().task_time_limit_s
            message = f"the explanation took longer than the {limit} s time limit"
            log.info("explanation past its time limit", extra={"question_id": str(question_id)})
            claims.fail(Question, question_id, token, code="timeout", message=message)
            return Status.failed
        if isinstance(code, str) and getattr(exc, "http_status", 500) < 500:
            log.info("explanation refused", extra={"question_id": str(question_id), "code": code})
            claims.fail(Question, question_id, token, code=code, message=str(exc))
            return Status.failed
        log.exception("explanation crashed", extra={"question_id": str(question_id)})
        claims.fail(
            Question, question_id, token, code="internal_error", message=f"internal error: {exc}"
        )
        return Status.failed
    log.info(
        "question explained",
        extra={"question_id": str(question_id), "explain_s": round(explain_s, 3)},
    )
    return Status.done
