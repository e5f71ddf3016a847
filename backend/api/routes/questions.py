"""Ask questions about a document and read the answers with their evidence."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from backend import queue
from backend.api.backpressure import ensure_capacity
from backend.api.deps import CurrentTenant, SessionDep
from backend.crud import documents as documents_crud
from backend.crud import questions as crud
from backend.models import Document, Question, Status
from backend.schemas.common import Accepted, errors
from backend.schemas.question import (
    HighlightsPublic,
    QuestionCreate,
    QuestionPublic,
    QuestionsPublic,
    question_public,
)
from core.reports.pdf import annotate_evidence, evidence_boxes
from core.settings import get_settings

log = logging.getLogger(__name__)

router = APIRouter(tags=["questions"])


@router.post(
    "/v1/documents/{document_id}/questions",
    status_code=202,
    response_model=Accepted,
    responses={
        200: {"model": Accepted, "description": "Already asked"},
        **errors(400, 404, 429, 507),
    },
)
def create_question(
    *,
    response: Response,
    session: SessionDep,
    tenant: CurrentTenant,
    document_id: uuid.UUID,
    body: QuestionCreate,
) -> Accepted:
    """Queue answering and explaining a question; an identical earlier one is reused."""
    doc = documents_crud.get_document(session, tenant=tenant, document_id=document_id)
    if doc is None:
        raise HTTPException(404, "document not found")
    if doc.status == Status.failed:
        raise HTTPException(422, f"the document could not be ingested: {doc.error}")
    method = body.stored(model=get_settings().model_name, answer=body.answer)
    key = crud.settings_key(question=body.question, settings=method)
    if crud.find_reusable(session, tenant=tenant, document=doc, key=key) is None:
        ensure_capacity(session, tenant=tenant)  # an identical question queues nothing new
    row, created = crud.create_question(
        session,
        tenant=tenant,
        document=doc,
        question=body.question,
        answer=body.answer,
        settings=method,
    )
    if created:
        queue.send("explain", row.id)  # committed; the sweeper covers a refused send
        log.info("question accepted", extra={"question_id": str(row.id)})
    else:
        response.status_code = 200
    return Accepted(id=str(row.id), status=row.status)


@router.get(
    "/v1/documents/{document_id}/questions", response_model=QuestionsPublic, responses=errors(404)
)
def read_document_questions(
    *,
    session: SessionDep,
    tenant: CurrentTenant,
    document_id: uuid.UUID,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> QuestionsPublic:
    if documents_crud.get_document(session, tenant=tenant, document_id=document_id) is None:
        raise HTTPException(404, "document not found")
    rows, count = crud.list_questions(
        session, tenant=tenant, document_id=document_id, offset=offset, limit=limit
    )
    return QuestionsPublic(data=[question_public(r) for r in rows], count=count)


@router.get("/v1/questions", response_model=QuestionsPublic, responses=errors())
def read_questions(
    *,
    session: SessionDep,
    tenant: CurrentTenant,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> QuestionsPublic:
    rows, count = crud.list_questions(session, tenant=tenant, offset=offset, limit=limit)
    return QuestionsPublic(data=[question_public(r) for r in rows], count=count)


@router.get("/v1/questions/{question_id}", response_model=QuestionPublic, responses=errors(404))
def read_question(
    *, session: SessionDep, tenant: CurrentTenant, question_id: uuid.UUID
) -> QuestionPublic:
    """Status; once done, the answer, scored units and evidence (`docqa explain --json`)."""
    row = crud.get_question(session, tenant=tenant, question_id=question_id)
    if row is None:
        raise HTTPException(404, "question not found")
    return question_public(row)


def _done_pdf_question(
    session: SessionDep, tenant: CurrentTenant, question_id: uuid.UUID
) -> tuple[Question, Document, bytes]:
    """The question, its PDF document and the stored bytes; the error a client needs when the
    question is unknown (404), its document is not a PDF (422) or it is not done yet (409)."""
    row = crud.get_question(session, tenant=tenant, question_id=question_id)
    if row is None:
        raise HTTPException(404, "question not found")
    doc = documents_crud.get_document(session, tenant=tenant, document_id=row.document_id)
    if doc is None:
        raise HTTPException(404, "document not found")
    if doc.kind is not None and doc.kind != "pdf":
        raise HTTPException(
            422, f"the document is a {doc.kind} file, not a PDF: it has no pages to annotate"
        )
    if row.status != Status.done or row.result is None:
        raise HTTPException(
            409, f"the question is {row.status}: its evidence on the page exists once it is done"
        )
    data = documents_crud.file_data(session, document=doc)
    if data is None or doc.text is None or not doc.pages:
        raise HTTPException(404, "the document's file is not stored")
    return row, doc, data


def _page_ranges(doc: Document) -> list[tuple[int, int]]:
    return [(p["start"], p["end"]) for p in doc.pages or []]


@router.get(
    "/v1/questions/{question_id}/evidence.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The annotated PDF"},
        **errors(404, 409),
    },
)
def read_evidence_pdf(
    *, session: SessionDep, tenant: CurrentTenant, question_id: uuid.UUID
) -> Response:
    """The document's original PDF with each evidence span as a highlight annotation (its
    note: rank and score). Made from the stored bytes on each request; they stay unchanged."""
    row, doc, data = _done_pdf_question(session, tenant, question_id)
    assert row.result is not None and doc.text is not None  # checked above
    body = annotate_evidence(
        data,
        doc.text,
        _page_ranges(doc),
        row.result.get("evidence") or [],
        supported=bool(row.result.get("supported")),
    )
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="evidence-{row.id}.pdf"'},
    )


@router.get(
    "/v1/questions/{question_id}/highlights",
    response_model=HighlightsPublic,
    responses=errors(404, 409),
)
def read_highlights(
    *, session: SessionDep, tenant: CurrentTenant, question_id: uuid.UUID
) -> HighlightsPublic:
    """Each evidence span's rectangles on its PDF page, as fractions of the page image
    (`GET /v1/documents/{id}/pages/{n}.png`), best span first: the web page draws them."""
    row, doc, data = _done_pdf_question(session, tenant, question_id)
    assert row.result is not None and doc.text is not None  # checked above
    boxes = evidence_boxes(data, doc.text, _page_ranges(doc), row.result.get("evidence") or [])
    return HighlightsPublic(supported=bool(row.result.get("supported")), **boxes)
