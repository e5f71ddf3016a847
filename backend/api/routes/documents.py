"""Upload documents and read them back."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Path, Query, Response, UploadFile

from backend import queue
from backend.api.backpressure import ensure_capacity
from backend.api.deps import CurrentTenant, SessionDep
from backend.crud import documents as crud
from backend.models import Status
from backend.schemas.common import Accepted, errors
from backend.schemas.document import (
    DocumentDetail,
    DocumentsPublic,
    document_detail,
    document_public,
)
from core.reports.pdf import PAGE_WIDTH_DEFAULT, PAGE_WIDTH_MAX, PAGE_WIDTH_MIN, page_png
from core.settings import get_settings
from ingest.errors import IngestError
from ingest.filetype import detect

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/documents", tags=["documents"])

_READ_BLOCK = 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _read_limited(upload: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while block := upload.file.read(_READ_BLOCK):
        size += len(block)
        if size > limit:
            raise HTTPException(413, f"file too large: the limit is {limit // (1024 * 1024)} MiB")
        chunks.append(block)
    return b"".join(chunks)


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    responses={
        200: {"model": Accepted, "description": "Already uploaded"},
        **errors(400, 413, 415, 429, 507),
    },
)
def create_document(
    *,
    response: Response,
    session: SessionDep,
    tenant: CurrentTenant,
    file: Annotated[UploadFile, File(description="A PDF, .txt or .md file")],
) -> Accepted:
    """Upload a document; ingestion is queued. The same bytes again return the same id."""
    # backend.api.body_limit bounds the whole body; this is the file's own limit.
    limit = get_settings().max_upload_mb * 1024 * 1024
    # Control characters (NUL above all) cannot be stored in PostgreSQL text.
    filename = _CONTROL.sub("", PurePath(file.filename or "").name).strip()
    if not filename:
        raise HTTPException(400, "the uploaded file has no name")
    data = _read_limited(file, limit)
    if not data:
        raise HTTPException(400, f"{filename} is empty")
    try:
        detect(data, filename)
    except IngestError as exc:
        raise HTTPException(exc.http_status, str(exc)) from exc
    known = crud.get_by_hash(session, tenant=tenant, sha256=hashlib.sha256(data).hexdigest())
    if known is None or known.status == Status.failed:
        ensure_capacity(session, tenant=tenant)  # a repeat upload queues nothing new
    doc, created = crud.create_document(
        session,
        tenant=tenant,
        filename=filename[:255],
        content_type=_CONTROL.sub("", file.content_type or "")[:100] or None,
        data=data,
    )
    if created:
        # The row is committed; if the broker refuses, the sweeper sends it once it is back.
        queue.send("ingest", doc.id)
        log.info("document accepted", extra={"document_id": str(doc.id), "bytes": len(data)})
    else:
        response.status_code = 200
    return Accepted(id=str(doc.id), status=doc.status)


@router.get("", response_model=DocumentsPublic, responses=errors())
def read_documents(
    *,
    session: SessionDep,
    tenant: CurrentTenant,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DocumentsPublic:
    rows, count = crud.list_documents(session, tenant=tenant, offset=offset, limit=limit)
    return DocumentsPublic(data=[document_public(r) for r in rows], count=count)


@router.get("/{document_id}", response_model=DocumentDetail, responses=errors(404))
def read_document(
    *, session: SessionDep, tenant: CurrentTenant, document_id: uuid.UUID
) -> DocumentDetail:
    """A document with its status, and its text and pages once ingested."""
    doc = crud.get_document(session, tenant=tenant, document_id=document_id)
    if doc is None:
        raise HTTPException(404, "document not found")
    return document_detail(doc, chunks=crud.count_chunks(session, document_id=doc.id))


@router.get(
    "/{document_id}/pages/{number}.png",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "The page as an image"},
        **errors(404, 409),
    },
)
def read_page_image(
    *,
    session: SessionDep,
    tenant: CurrentTenant,
    document_id: uuid.UUID,
    number: Annotated[int, Path(ge=1, le=1_000_000)],
    width: Annotated[int, Query(ge=PAGE_WIDTH_MIN, le=PAGE_WIDTH_MAX)] = PAGE_WIDTH_DEFAULT,
) -> Response:
    """Page ``number`` of an ingested PDF, rendered on the server as a PNG (the web page shows
    it with the evidence drawn over it)."""
    doc = crud.get_document(session, tenant=tenant, document_id=document_id)
    if doc is None:
        raise HTTPException(404, "document not found")
    if doc.kind is not None and doc.kind != "pdf":
        raise HTTPException(422, f"the document is a {doc.kind} file, not a PDF: it has no pages")
    if doc.status != Status.done:
        raise HTTPException(409, f"the document is {doc.status}: its pages show once it is done")
    if number > (doc.n_pages or 0):
        raise HTTPException(404, f"page {number} not found: the document has {doc.n_pages}")
    data = crud.file_data(session, document=doc)
    if data is None:
        raise HTTPException(404, "the document's file is not stored")
    return Response(
        page_png(data, number, width),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600"},
    )
