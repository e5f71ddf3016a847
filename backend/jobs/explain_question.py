"""Answer and explain one question; the result, units and evidence land in one transaction,
together with the audit items that wait for it."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.crud import audits as audits_crud
from backend.db import session_scope
from backend.jobs import engine
from backend.jobs.runner import Done, Job, JobFailed, Wakeups
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


def _ready() -> Any:
    """A question runs once its document is ingested (or has failed: it then fails too)."""
    return Question.document_id.in_(
        select(Document.id).where(Document.status.in_((Status.done, Status.failed)))
    )


def _explanation(
    question_id: uuid.UUID, result: dict[str, Any], timings: dict[str, Any]
) -> Explanation:
    return Explanation(
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


def execute(question_id: uuid.UUID, deadline: float) -> Done:
    """Explain the claimed question; the engine checks ``deadline`` between forward passes."""
    t_start = time.perf_counter()
    with session_scope() as session:
        question = session.get(Question, question_id)
        assert question is not None
        document = session.scalar(
            select(Document)
            .where(Document.id == question.document_id)
            .options(selectinload(Document.chunks))
        )
        assert document is not None
        audits_crud.mark_running(session, question_id=question_id)
        if document.status == Status.failed:
            raise JobFailed(
                "document_failed", f"the document could not be ingested: {document.error}"
            )
        doc = to_ingest_document(document)
        settings = dict(question.settings)
        text, answer = question.question, question.answer
        queue_wait = _seconds(question.started_at, question.created_at)

    try:
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
    except Exception as exc:
        # The engine's typed errors (explain_engine.ExplainError: a question too long for the
        # model, a model that cannot load) carry a code; anything else is a bug.
        code = getattr(exc, "code", None)
        # The engine's deadline (code "timeout") or Celery's soft per-task time limit.
        if code == "timeout" or type(exc).__name__ == "SoftTimeLimitExceeded":
            limit = get_settings().task_time_limit_s
            raise JobFailed(
                "timeout", f"the explanation took longer than the {limit} s time limit"
            ) from exc
        if isinstance(code, str) and getattr(exc, "http_status", 500) < 500:
            raise JobFailed(code, str(exc)) from exc
        raise
    explain_s = time.perf_counter() - t_explain
    timings = {
        "queue_wait_s": queue_wait,
        "model_load_s": load_s,
        "explain_s": explain_s,
        "total_s": time.perf_counter() - t_start,
        "finished_at": utcnow().isoformat(),
    }
    log.info(
        "question explained",
        extra={"question_id": str(question_id), "explain_s": round(explain_s, 3)},
    )
    return Done(values={"result": result}, rows=[_explanation(question_id, result, timings)])


def finished(session: Session, question_id: uuid.UUID) -> Wakeups:
    """Audit items answered by this question settle with it, in the same transaction."""
    audits_crud.settle_question(session, question_id=question_id)
    return []


JOB = Job(
    kind="explain",
    name="docqa.explain.question",
    queue="explain",
    model=Question,
    execute=execute,
    ready=_ready,
    finished=finished,
)
