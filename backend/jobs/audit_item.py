"""Run one audit item: explain its question (unless another worker already does), then settle
the item so its result is saved as soon as it exists."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select

from backend.crud import audits as crud
from backend.db import session_scope
from backend.jobs import explain_question
from backend.models import AuditItem, Question, Status

log = logging.getLogger(__name__)


def run(item_id: uuid.UUID) -> str | None:
    """Returns the item's status afterwards. Idempotent: a finished item is left alone, and the
    question is claimed by ``explain_question.run`` so a duplicate never explains twice."""
    with session_scope() as session:
        row = session.execute(
            select(AuditItem.audit_id, AuditItem.status, AuditItem.question_id, Question.status)
            .outerjoin(Question, Question.id == AuditItem.question_id)
            .where(AuditItem.id == item_id)
        ).one_or_none()
        if row is None:
            log.info("audit item gone", extra={"item_id": str(item_id)})
            return None
        audit_id, item_status, question_id, question_status = row
        if item_status in crud.FINAL:
            return item_status
        crud.mark_running(session, audit_id=audit_id)
    if question_id is not None and question_status == Status.queued:
        # Transient errors (document still ingesting, database away) propagate: retried.
        explain_question.run(question_id)
    with session_scope() as session:
        crud.settle_items(session, audit_id=audit_id)
        status = session.scalar(select(AuditItem.status).where(AuditItem.id == item_id))
    if status not in crud.FINAL:
        # Its question is being explained by another task (an identical question asked
        # elsewhere); reading the audit settles the item once that task finishes.
        log.info("audit item waits for a shared question", extra={"item_id": str(item_id)})
    return status
