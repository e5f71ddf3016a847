"""Documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from backend.schemas.common import Status, UtcDatetime

if TYPE_CHECKING:
    from backend.models import Document


class PagePublic(BaseModel):
    number: int
    start: int
    end: int


class DocumentPublic(BaseModel):
    id: str
    filename: str
    status: Status
    error: str | None = None
    error_code: str | None = None
    sha256: str
    size_bytes: int
    kind: str | None = None
    pages: int | None = None
    chars: int | None = None
    chunks: int | None = None
    created_at: UtcDatetime
    finished_at: UtcDatetime | None = None


class DocumentDetail(DocumentPublic):
    """One document, with its text once ingested (offsets in answers point into it)."""

    text: str | None = None
    page_ranges: list[PagePublic] = []
    warnings: list[str] = []


class DocumentsPublic(BaseModel):
    data: list[DocumentPublic]
    count: int


def document_public(row: Document, *, chunks: int | None = None) -> DocumentPublic:
    return DocumentPublic(**_fields(row, chunks))


def document_detail(row: Document, *, chunks: int | None = None) -> DocumentDetail:
    return DocumentDetail(
        **_fields(row, chunks),
        text=row.text,
        page_ranges=[PagePublic(**p) for p in row.pages or []],
        warnings=list(row.warnings or []),
    )


def _fields(r: Document, chunks: int | None) -> dict[str, object]:
    return {
        "id": str(r.id),
        "filename": r.filename,
        "status": r.status,
        "error": r.error,
        "error_code": r.error_code,
        "sha256": r.sha256,
        "size_bytes": r.size_bytes,
        "kind": r.kind,
        "pages": r.n_pages,
        "chars": r.n_chars,
        "chunks": chunks,
        "created_at": r.created_at,
        "finished_at": r.finished_at,
    }
