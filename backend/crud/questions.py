"""Questions: create (or reuse an identical one), read within a tenant."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Document, Question, Status, Tenant, utcnow


def settings_key(*, question: str, settings: dict[str, Any]) -> str:
    """Identical question + result-changing settings -> identical key."""
    payload = json.dumps({"question": question, **settings}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def find_reusable(
    session: Session, *, tenant: Tenant, document: Document, key: str
) -> Question | None:
    """An earlier identical question that is done or still on its way (not failed)."""
    return session.scalar(
        select(Question)
        .where(
            Question.tenant_id == tenant.id,
            Question.document_id == document.id,
            Question.settings_key == key,
            Question.status != Status.failed,
        )
        .order_by(Question.created_at.desc())
        .limit(1)
    )


def create_question(
    session: Session,
    *,
    tenant: Tenant,
    document: Document,
    question: str,
    answer: str | None,
    settings: dict[str, Any],
) -> tuple[Question, bool]:
    """A new queued question (committed), or the reusable identical one and False."""
    key = settings_key(question=question, settings=settings)
    existing = find_reusable(session, tenant=tenant, document=document, key=key)
    if existing is not None:
        return existing, False
    row = Question(
        tenant_id=tenant.id,
        document_id=document.id,
        question=question,
        answer=answer,
        granularity=settings["granularity"],
        settings=settings,
        settings_key=key,
        status=Status.queued,
        heartbeat_at=utcnow(),
    )
    session.add(row)
    session.commit()
    return row, True


def get_question(session: Session, *, tenant: Tenant, question_id: uuid.UUID) -> Question | None:
    return session.scalar(
        select(Question).where(Question.id == question_id, Question.tenant_id == tenant.id)
    )


def list_questions(
    session: Session,
    *,
    tenant: Tenant,
    document_id: uuid.UUID | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Question], int]:
    where = [Question.tenant_id == tenant.id]
    if document_id is not None:
        where.append(Question.document_id == document_id)
    count = session.scalar(select(func.count()).select_from(Question).where(*where)) or 0
    rows = session.scalars(
        select(Question)
        .where(*where)
        .order_by(Question.created_at.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), count
