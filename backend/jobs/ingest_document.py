"""Ingest an uploaded document: bytes -> text, pages and chunks, stored in one transaction."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import session_scope
from backend.jobs.isolated_ingest import load_bytes_isolated
from backend.jobs.runner import Done, Job, JobFailed, Wakeups
from backend.models import Chunk, Document, DocumentFile, Question, Status
from core.settings import get_settings
from ingest import IngestError

log = logging.getLogger(__name__)


def execute(document_id: uuid.UUID, _deadline: float) -> Done:
    """Read the stored bytes (the isolated reader enforces its own time limit)."""
    with session_scope() as session:
        filename = session.scalar(select(Document.filename).where(Document.id == document_id))
        data = session.scalar(
            select(DocumentFile.data).where(DocumentFile.document_id == document_id)
        )
    if filename is None or data is None:
        raise JobFailed("missing_file", "file not stored")
    settings = get_settings()
    try:
        doc = load_bytes_isolated(
            data,
            filename,
            limits=settings.ingest_limits,
            target_chunks=settings.target_chunks,
            max_memory_mb=settings.ingest_max_memory_mb or None,
        )
    except IngestError as exc:
        raise JobFailed(exc.code, str(exc)) from exc
    log.info("document ingested", extra={"document_id": str(document_id)})
    return Done(
        values={
            # PostgreSQL text cannot hold NUL; a same-length space keeps every offset.
            "text": doc.text.replace("\x00", " "),
            "kind": doc.kind,
            "pages": [{"number": p.number, "start": p.start, "end": p.end} for p in doc.pages],
            "n_pages": len(doc.pages),
            "n_chars": len(doc.text),
            "warnings": list(doc.warnings),
        },
        rows=[
            Chunk(document_id=document_id, index=c.index, start=c.start, end=c.end, page=c.page)
            for c in doc.chunks
        ],
    )


def finished(session: Session, document_id: uuid.UUID) -> Wakeups:
    """Questions asked while the document was ingesting can run now (or fail with it)."""
    waiting = session.scalars(
        select(Question.id).where(
            Question.document_id == document_id, Question.status == Status.queued
        )
    ).all()
    return [("explain", question_id) for question_id in waiting]


JOB = Job(
    kind="ingest",
    name="docqa.ingest.document",
    queue="ingest",
    model=Document,
    execute=execute,
    finished=finished,
)
