"""Questions about a document and their explanations (scored units, evidence spans)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, TaskRowMixin, utcnow, uuid_pk


class Question(TaskRowMixin, Base):
    __tablename__ = "questions"

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)  # given answer; None = model answers
    granularity: Mapped[str] = mapped_column(String(16))
    # Everything that changes the result (model, mode, factor, kappa, granularity, answer);
    # settings_key hashes it together with the question for the "already explained" lookup.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    settings_key: Mapped[str] = mapped_column(String(64), index=True)
    # The `docqa explain --json` object, served as is once done.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    explanation: Mapped[Explanation | None] = relationship(
        back_populates="question", cascade="all, delete-orphan"
    )


class Explanation(Base):
    __tablename__ = "explanations"

    id: Mapped[uuid.UUID] = uuid_pk()
    # Unique: a duplicated task can never store a second result.
    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), unique=True
    )
    answer: Mapped[str] = mapped_column(Text)
    answer_source: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(200))
    method: Mapped[dict[str, Any]] = mapped_column(JSON)
    supported: Mapped[bool] = mapped_column(Boolean)
    forward_passes: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    # Task timings: queue wait, model load, explanation, total (seconds).
    timings: Mapped[dict[str, Any]] = mapped_column(JSON)
    explained_chunks: Mapped[list[int] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    question: Mapped[Question] = relationship(back_populates="explanation")
    units: Mapped[list[ExplanationUnit]] = relationship(
        cascade="all, delete-orphan", order_by="ExplanationUnit.index"
    )
    evidence: Mapped[list[EvidenceSpan]] = relationship(
        cascade="all, delete-orphan", order_by="EvidenceSpan.rank"
    )


class ExplanationUnit(Base):
    __tablename__ = "explanation_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    explanation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("explanations.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    page: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)


class EvidenceSpan(Base):
    __tablename__ = "evidence_spans"
    __table_args__ = (UniqueConstraint("explanation_id", "rank"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    explanation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("explanations.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer)  # 0 = highest score
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    page: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
