"""Documents: create (deduplicated by hash), read within a tenant."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import Chunk, Document, DocumentFile, Status, Tenant, utcnow


def create_document(
    session: Session, *, tenant: Tenant, filename: str, content_type: str | None, data: bytes
) -> tuple[Document, bool]:
    """The tenant's document for these bytes, and whether it was created now (committed).

    A failed earlier upload of the same bytes is queued again rather than returned failed,
    so a fixed ingestion (or a transient failure) can be retried by uploading again.
    """
    sha = hashlib.sha256(data).hexdigest()
    existing = get_by_hash(session, tenant=tenant, sha256=sha)
    if existing is not None:
        if existing.status != Status.failed:
            return existing, False
        result = session.execute(
            update(Document)
            .where(Document.id == existing.id, Document.status == Status.failed)
            .values(status=Status.queued, error=None, error_code=None, heartbeat_at=utcnow())
        )
        session.commit()
        session.refresh(existing)
        return existing, result.rowcount == 1
    doc = Document(
        tenant_id=tenant.id,
        filename=filename,
        content_type=content_type,
        size_bytes=len(data),
        sha256=sha,
        status=Status.queued,
        heartbeat_at=utcnow(),  # "sent at" while queued, see backend.jobs.sweeper
    )
    doc.file = DocumentFile(data=data)
    session.add(doc)
    try:
        session.commit()
    except IntegrityError:
        # The same bytes uploaded concurrently: the other request won.
        session.rollback()
        existing = get_by_hash(session, tenant=tenant, sha256=sha)
        if existing is None:
            raise
        return existing, False
    return doc, True


def get_by_hash(session: Session, *, tenant: Tenant, sha256: str) -> Document | None:
    return session.scalar(
        select(Document).where(Document.tenant_id == tenant.id, Document.sha256 == sha256)
    )


def get_document(session: Session, *, tenant: Tenant, document_id: uuid.UUID) -> Document | None:
    """The document if it belongs to ``tenant`` (another tenant's id reads as missing)."""
    return session.scalar(
        select(Document).where(Document.id == document_id, Document.tenant_id == tenant.id)
    )


def file_data(session: Session, *, document: Document) -> bytes | None:
    """The uploaded bytes of ``document`` (loaded only when asked for: they can be large)."""
    return session.scalar(select(DocumentFile.data).where(DocumentFile.document_id == document.id))


def list_documents(
    session: Session, *, tenant: Tenant, offset: int = 0, limit: int = 100
) -> tuple[list[Document], int]:
    where = Document.tenant_id == tenant.id
    count = session.scalar(select(func.count()).select_from(Document).where(where)) or 0
    rows = session.scalars(
        select(Document)
        .where(where)
        .order_by(Document.created_at.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), count


def count_chunks(session: Session, *, document_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Chunk).where(Chunk.document_id == document_id)
        )
        or 0
    )
