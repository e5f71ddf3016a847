"""Batch audits: many question/answer items checked against their documents."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from backend import queue
from backend.api.backpressure import ensure_capacity
from backend.api.deps import CurrentTenant, SessionDep
from backend.crud import audits as crud
from backend.models import Audit, Tenant
from backend.schemas.audit import (
    AuditCreate,
    AuditItemPublic,
    AuditPublic,
    AuditsPublic,
    AuditSummary,
    Progress,
)
from backend.schemas.common import Accepted, errors
from core import verdicts
from core.audit import AuditItem as ItemSpec
from core.audit import AuditItemsError, parse_items_csv
from core.reports.formats import MEDIA_TYPES, render_report
from core.settings import get_settings
from core.validation import error_message

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/audits", tags=["audits"])


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """The schema with its local ``$defs`` references written out (OpenAPI has no $defs)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


_JSON_SCHEMA = AuditCreate.model_json_schema()
_OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline(_JSON_SCHEMA, _JSON_SCHEMA.get("$defs", {}))},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV with columns document, question, answer",
                        },
                        "name": {"type": "string"},
                        "granularity": {"type": "string", "default": "paragraph"},
                    },
                }
            },
        },
    }
}


async def _read_body(request: Request) -> tuple[AuditCreate, list[ItemSpec]]:
    """The audit from a JSON body or from a multipart CSV upload (field ``file``)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # backend.api.body_limit bounds the body as it arrives; this is the CSV file's own limit.
    max_csv_bytes = get_settings().max_audit_mb * 1024 * 1024
    if content_type == "application/json":
        try:
            payload = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HTTPException(400, f"the body is not valid JSON: {exc}") from exc
        except RecursionError as exc:
            raise HTTPException(400, "the body is not valid JSON: nested too deeply") from exc
        body = _validate(payload)
        return body, [ItemSpec(i.document, i.question, i.answer) for i in body.items]
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, "file: upload the items as a CSV file in the field 'file'")
        data = await upload.read(max_csv_bytes + 1)
        if len(data) > max_csv_bytes:
            raise HTTPException(
                413, f"CSV too large: the limit is {get_settings().max_audit_mb} MiB"
            )
        try:
            specs = parse_items_csv(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise HTTPException(422, "file: the CSV must be UTF-8 text") from exc
        except AuditItemsError as exc:
            raise HTTPException(422, f"file: {exc}") from exc
        fields = {k: v for k, v in form.items() if k != "file" and isinstance(v, str) and v}
        body = _validate({"items": [s.__dict__ for s in specs], **fields})
        return body, [ItemSpec(i.document, i.question, i.answer) for i in body.items]
    raise HTTPException(
        415, "send the items as application/json or a CSV file as multipart/form-data"
    )


def _validate(payload: Any) -> AuditCreate:
    try:
        return AuditCreate.model_validate(payload)
    except ValidationError as exc:
        raise HTTPException(422, error_message(exc.errors())) from exc


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    responses=errors(400, 413, 415, 429, 507),
    openapi_extra=_OPENAPI_BODY,
)
async def create_audit(*, request: Request, session: SessionDep, tenant: CurrentTenant) -> Accepted:
    """Queue an audit: each item's answer is explained against its document by the workers.

    Items name a document by id or by the file name it was uploaded under; an item whose
    document is unknown fails on its own, the others go on.
    """
    body, specs = await _read_body(request)
    # Database work (and enqueueing) off the event loop: the session is synchronous.
    return await run_in_threadpool(_create, session, tenant, body, specs)


def _create(session: Session, tenant: Tenant, body: AuditCreate, specs: list[ItemSpec]) -> Accepted:
    # Each item may queue a question (reused ones do not, so this errs on the safe side).
    ensure_capacity(session, tenant=tenant, new=len(specs))
    audit, question_ids = crud.create_audit(
        session,
        tenant=tenant,
        items=specs,
        name=body.name,
        explanation=body,
    )
    # One wake-up per new question; each item settles when its question finishes.
    for question_id in question_ids:
        if not queue.send("explain", question_id):
            # Saved and marked unsent; the sweeper sends the rest too once the broker is back.
            for rest in question_ids:
                queue.mark_not_sent("explain", rest)
            break
    log.info("audit accepted", extra={"audit_id": str(audit.id), "items": len(specs)})
    return Accepted(id=str(audit.id), status=audit.status)


@router.get("", response_model=AuditsPublic, responses=errors())
def read_audits(
    *,
    session: SessionDep,
    tenant: CurrentTenant,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditsPublic:
    rows, count = crud.list_audits(session, tenant=tenant, offset=offset, limit=limit)
    return AuditsPublic(data=[_summary(r) for r in rows], count=count)


def _load(session: Session, tenant: CurrentTenant, audit_id: uuid.UUID) -> Audit:
    audit = crud.get_audit(session, tenant=tenant, audit_id=audit_id)
    if audit is None:
        raise HTTPException(404, "audit not found")
    if audit.status != "done" and crud.settle_items(session, audit_id=audit.id):
        session.commit()
        session.refresh(audit)
        for item in audit.items:
            session.refresh(item)
    return audit


def _summary(audit: Audit) -> AuditSummary:
    return AuditSummary(
        id=str(audit.id),
        name=audit.name,
        status=audit.status,
        progress=Progress(total=audit.total, done=audit.done, failed=audit.failed),
        created_at=audit.created_at,
        finished_at=audit.finished_at,
    )


def _public(session: Session, audit: Audit) -> AuditPublic:
    live = crud.live_statuses(session, audit_id=audit.id) if audit.status != "done" else {}
    items = [
        AuditItemPublic(
            index=item.position,
            document=item.document_ref,
            document_id=str(item.document_id) if item.document_id else None,
            question=item.question,
            answer=item.answer,
            status=live.get(item.id, item.status),
            error=item.error,
            question_id=str(item.question_id) if item.question_id else None,
            finished_at=item.finished_at,
            result=item.result,
        )
        for item in audit.items
    ]
    first = next((i.result for i in items if i.result), None)
    settings = dict(audit.settings or {})
    code_version = settings.pop("code_version", None)
    return AuditPublic(
        **_summary(audit).model_dump(),
        model=first.get("model") if first else settings.get("model"),
        method=first.get("method") if first else None,
        code_version=code_version,
        settings=settings,
        verdicts=verdicts.counts(i.result for i in items if i.status == "done"),
        items=items,
    )


@router.get("/{audit_id}", response_model=AuditPublic, responses=errors(404))
def read_audit(*, session: SessionDep, tenant: CurrentTenant, audit_id: uuid.UUID) -> AuditPublic:
    """Progress (done / failed / total) and each item with its result so far."""
    return _public(session, _load(session, tenant, audit_id))


@router.get(
    "/{audit_id}/report",
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}, "text/csv": {}}, "description": "The report"},
        **errors(404),
    },
)
def read_audit_report(
    *,
    session: SessionDep,
    tenant: CurrentTenant,
    audit_id: uuid.UUID,
    format: Annotated[Literal["html", "csv"], Query()] = "html",  # noqa: A002 - API name
) -> Response:
    """The audit as a self-contained HTML page (evidence highlighted by score) or as CSV."""
    audit = _load(session, tenant, audit_id)
    public = _public(session, audit).model_dump(mode="json")
    texts = crud.document_texts(session, audit=audit) if format == "html" else {}
    body = render_report(public, texts, format)
    filename = f"audit-{audit.id}.{format}"
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
