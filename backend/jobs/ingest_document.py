"""Ingest an uploaded document: bytes -> text, pages and chunks, stored in one transaction."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select

from backend.db import session_scope
from backend.jobs import claims
from backend.jobs.errors import TRANSIENT_ERRORS
from backend.jobs.isolated_ingest import load_bytes_isolated
from backend.models import Chunk, Document, DocumentFile, Status
from core.settings import get_settings
from ingest import IngestError

log = logging.getLogger(__name__)


def run(document_id: uuid.UUID) -> str | None:
    """Ingest one document; returns the final status, or None when the row was not ours."""
    with session_scope() as session:
        token = claims.claim(session, Document, document_id)
    if token is None:
        log.info("document not queued; nothing to do", extra={"document_id": str(document_id)})
        return None
    try:
        with claims.heartbeat(Document, document_id, token):
            with session_scope() as session:
                filename = session.scalar(
                    select(Document.filename).where(Document.id == document_id)
                )
                data = session.scalar(
                    select(DocumentFile.data).where(DocumentFile.document_id == document_id)
                )
            if filename is None or data is None:
                claims.fail(
                    Document, document_id, token, code="missing_file", message="file not stored"
                )
                return Status.failed
            doc = load_bytes_isolated(
                data,
                filename,
                limits=get_settings().ingest_limits,
                target_chunks=get_settings().target_chunks,
                max_memory_mb=get_settings().ingest_max_memory_mb or None,
            )
            with session_scope() as session:
                if not claims.finish(
                    session,
                    Document,
                    document_id,
                    token,
                    status=Status.done,
                    # PostgreSQL text cannot hold NUL; a same-length space keeps every offset.
                    text=doc.text.replace("\x00", " "),
                    kind=doc.kind,
                    pages=[{"number": p.number, "start": p.start, "end": p.end} for p in doc.pages],
                    n_pages=len(doc.pages),
                    n_chars=len(doc.text),
                    warnings=list(doc.warnings),
                ):
                    session.rollback()
                    return None
                session.add_all(
                    Chunk(
                        document_id=document_id,
                        index=c.index,
                        start=c.start,
                        end=c.end,
                        page=c.page,
                    )
                    for c in doc.chunks
                )
    except IngestError as exc:
        log.info("ingestion failed", extra={"document_id": str(document_id), "code": exc.code})
        claims.fail(Document, document_id, token, code=exc.code, message=str(exc))
        return Status.failed
    except TRANSIENT_ERRORS:
        claims.release(Document, document_id, token)
        raise
    except Exception as exc:
        # A bug, not bad input: keep the row honest instead of leaving it running.
        log.exception("ingestion crashed", extra={"document_id": str(document_id)})
        claims.fail(
            Document, document_id, token, code="internal_error", message=f"internal error: {exc}"
        )
        return Status.failed
    log.info("document ingested", extra={"document_id": str(document_id)})
    return Status.done
