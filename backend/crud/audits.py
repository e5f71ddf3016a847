"""Audits: create one (items -> questions), settle finished items, read within a tenant.

Each audit item is answered by an ordinary Question row (shared with the questions API, so an
identical question already explained is reused). An item is *settled* when its question has
finished: its status, result and error are copied onto the item and the audit's counters move,
in one guarded UPDATE so a duplicate settle counts nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.crud.questions import find_reusable, settings_key
from backend.models import Audit, AuditItem, Document, Question, Status, Tenant, utcnow
from core.audit import AuditItem as ItemSpec
from core.audit import code_version
from core.explanation_settings import ExplanationSettings
from core.settings import get_settings

FINAL = (Status.done, Status.failed)


def resolve_document(session: Session, *, tenant: Tenant, ref: str) -> Document | None:
    """The tenant's document named by ``ref``: its id, or the file name it was uploaded under
    (the newest upload that did not fail, else the newest that did, so its error is shown)."""
    try:
        doc_id = uuid.UUID(ref)
    except ValueError:
        doc_id = None
    if doc_id is not None:
        return session.scalar(
            select(Document).where(Document.id == doc_id, Document.tenant_id == tenant.id)
        )
    return session.scalar(
        select(Document)
        .where(Document.tenant_id == tenant.id, Document.filename == ref)
        .order_by((Document.status == Status.failed).asc(), Document.created_at.desc())
        .limit(1)
    )


def create_audit(
    session: Session,
    *,
    tenant: Tenant,
    items: Sequence[ItemSpec],
    name: str | None,
    explanation: ExplanationSettings,
) -> tuple[Audit, list[uuid.UUID]]:
    """Create (and commit) the audit, its items and their questions in one transaction.

    Returns the audit and the ids of the questions created now (to send to the workers). An
    item whose document is unknown or failed ingestion is failed at once; it does not fail the
    audit. Items answered by an earlier, finished question settle at once; the others settle
    when their question's job finishes.
    """
    now = utcnow()
    model = get_settings().model_name
    audit = Audit(
        tenant_id=tenant.id,
        name=name,
        status=Status.queued,
        total=len(items),
        done=0,
        failed=0,
        settings={
            **explanation.engine_options(),
            "model": model,
            "code_version": code_version(),
        },
    )
    session.add(audit)
    pending: list[AuditItem] = []
    new_questions: list[Question] = []
    for position, spec in enumerate(items):
        item = AuditItem(
            audit=audit,
            position=position,
            document_ref=spec.document[:255],
            question=spec.question,
            answer=spec.answer,
            status=Status.queued,
        )
        session.add(item)
        doc = resolve_document(session, tenant=tenant, ref=spec.document)
        if doc is None or doc.status == Status.failed:
            item.status = Status.failed
            item.finished_at = now
            item.error = (
                f"document not found: {spec.document!r} (give a document id or the file name "
                "of an uploaded document)"
                if doc is None
                else f"the document could not be ingested: {doc.error}"
            )
            audit.failed += 1
            continue
        item.document_id = doc.id
        method = explanation.stored(model=model, answer=spec.answer)
        key = settings_key(question=spec.question, settings=method)
        # Autoflush makes questions added earlier in this loop visible here, so duplicate
        # items share one question.
        question = find_reusable(session, tenant=tenant, document=doc, key=key)
        if question is None:
            question = Question(
                id=uuid.uuid4(),  # known before the flush, so the item can point at it
                tenant_id=tenant.id,
                document_id=doc.id,
                question=spec.question,
                answer=spec.answer,
                granularity=explanation.granularity,
                settings=method,
                settings_key=key,
                status=Status.queued,
                heartbeat_at=now,
            )
            session.add(question)
            new_questions.append(question)
        item.question_id = question.id
        pending.append(item)
    if audit.failed == audit.total:
        audit.status = Status.done
    session.flush()  # sets created_at; a finish time must not come before it
    if audit.status == Status.done:
        audit.finished_at = utcnow()
    session.commit()
    if pending and settle_items(session, audit_id=audit.id):
        session.commit()
        session.refresh(audit)
    return audit, [q.id for q in new_questions]


def settle_items(session: Session, *, audit_id: uuid.UUID) -> int:
    """Copy finished questions onto their unsettled items and move the counters; returns how
    many items settled now. Safe to run concurrently: each item settles once."""
    rows = session.execute(
        select(AuditItem.id, Question.status, Question.result, Question.error)
        .join(Question, Question.id == AuditItem.question_id)
        .where(
            AuditItem.audit_id == audit_id,
            AuditItem.status.not_in(FINAL),
            Question.status.in_(FINAL),
        )
    ).all()
    now = utcnow()
    done = failed = 0
    for item_id, status, result, error in rows:
        moved = session.execute(
            update(AuditItem)
            .where(AuditItem.id == item_id, AuditItem.status.not_in(FINAL))
            .values(
                status=status,
                result=result if status == Status.done else None,
                error=error if status == Status.failed else None,
                finished_at=now,
            )
        )
        if moved.rowcount == 1:
            done += status == Status.done
            failed += status == Status.failed
    orphans = session.execute(
        update(AuditItem)
        .where(
            AuditItem.audit_id == audit_id,
            AuditItem.status.not_in(FINAL),
            AuditItem.question_id.is_(None),
            AuditItem.document_id.is_not(None),
        )
        .values(status=Status.failed, error="the item's question was deleted", finished_at=now)
    )
    failed += orphans.rowcount
    if done or failed:
        # Increments, not recounts: concurrent settles in other transactions add up correctly.
        session.execute(
            update(Audit)
            .where(Audit.id == audit_id)
            .values(done=Audit.done + done, failed=Audit.failed + failed, status=Status.running)
        )
        session.execute(
            update(Audit)
            .where(Audit.id == audit_id, Audit.done + Audit.failed >= Audit.total)
            .values(status=Status.done, finished_at=now)
        )
    return done + failed


def mark_running(session: Session, *, question_id: uuid.UUID) -> None:
    """Audits waiting for this question, now claimed, are running (caller's transaction)."""
    session.execute(
        update(Audit)
        .where(
            Audit.status == Status.queued,
            Audit.id.in_(select(AuditItem.audit_id).where(AuditItem.question_id == question_id)),
        )
        .values(status=Status.running)
    )


def settle_question(session: Session, *, question_id: uuid.UUID) -> int:
    """Settle the items of every audit that waits for this (now finished) question."""
    audit_ids = session.scalars(
        select(AuditItem.audit_id)
        .where(AuditItem.question_id == question_id, AuditItem.status.not_in(FINAL))
        .distinct()
    ).all()
    return sum(settle_items(session, audit_id=audit_id) for audit_id in audit_ids)


def unsettled_audits(session: Session) -> list[uuid.UUID]:
    """Audits with an item whose question has finished (for the sweeper: an item created
    while its reused question was finishing elsewhere)."""
    return list(
        session.scalars(
            select(AuditItem.audit_id)
            .join(Question, Question.id == AuditItem.question_id)
            .where(AuditItem.status.not_in(FINAL), Question.status.in_(FINAL))
            .distinct()
        ).all()
    )


def get_audit(session: Session, *, tenant: Tenant, audit_id: uuid.UUID) -> Audit | None:
    """The audit if it belongs to ``tenant`` (another tenant's id reads as missing)."""
    return session.scalar(select(Audit).where(Audit.id == audit_id, Audit.tenant_id == tenant.id))


def list_audits(
    session: Session, *, tenant: Tenant, offset: int = 0, limit: int = 100
) -> tuple[list[Audit], int]:
    where = Audit.tenant_id == tenant.id
    count = session.scalar(select(func.count()).select_from(Audit).where(where)) or 0
    rows = session.scalars(
        select(Audit).where(where).order_by(Audit.created_at.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), count


def live_statuses(session: Session, *, audit_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """Status of each unsettled item's question (queued or running), for progress display."""
    rows = session.execute(
        select(AuditItem.id, Question.status)
        .join(Question, Question.id == AuditItem.question_id)
        .where(AuditItem.audit_id == audit_id, AuditItem.status.not_in(FINAL))
    ).all()
    return dict(rows)


def document_texts(session: Session, *, audit: Audit) -> dict[str, str]:
    """Text of each document the audit's items name (keyed by the name as given)."""
    ids = {item.document_id for item in audit.items if item.document_id is not None}
    if not ids:
        return {}
    texts = dict(
        session.execute(
            select(Document.id, Document.text).where(
                Document.id.in_(ids), Document.tenant_id == audit.tenant_id
            )
        ).all()
    )
    return {
        item.document_ref: texts[item.document_id]
        for item in audit.items
        if item.document_id in texts and texts[item.document_id]
    }
