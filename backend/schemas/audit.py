"""Batch audits: items in, progress and per-item results out (the `docqa audit` JSON shape)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.schemas.common import Status, UtcDatetime
from core.audit import MAX_ITEMS, check_text
from core.explanation_settings import ExplanationSettings


class AuditItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: str = Field(
        min_length=1, max_length=255, description="A document id, or an uploaded file's name"
    )
    question: str = Field(min_length=1, max_length=2000)
    answer: str | None = Field(
        default=None, max_length=4000, description="The answer to check; empty: the model answers"
    )

    @field_validator("document", "question", "answer")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        return None if value is None else check_text(value)

    @field_validator("document", "question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("answer")
    @classmethod
    def _blank_answer_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class AuditCreate(ExplanationSettings):
    """JSON body of POST /v1/audits (a CSV upload carries the same items as a file), and how
    every item is explained."""

    items: list[AuditItemCreate] = Field(min_length=1, max_length=MAX_ITEMS)
    name: str | None = Field(default=None, max_length=255)

    @field_validator("name")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        return None if value is None else check_text(value)


class Progress(BaseModel):
    total: int
    done: int
    failed: int


class AuditItemPublic(BaseModel):
    index: int
    document: str  # as given in the request
    document_id: str | None = None
    question: str
    answer: str | None = None  # the answer under audit; None: the model answered
    status: Status
    error: str | None = None
    question_id: str | None = None
    finished_at: UtcDatetime | None = None
    # The `docqa explain --json` object once done.
    result: dict[str, Any] | None = None


class AuditSummary(BaseModel):
    id: str
    name: str | None = None
    status: Status
    progress: Progress
    created_at: UtcDatetime
    finished_at: UtcDatetime | None = None


class AuditPublic(AuditSummary):
    """Progress, settings for reproduction, and the items with their results so far."""

    model: str | None = None
    method: dict[str, Any] | None = None
    code_version: dict[str, str | None] | None = None
    settings: dict[str, Any] = {}
    # Done items per verdict: supported, contradicted, not_in_document.
    verdicts: dict[str, int] = {}
    items: list[AuditItemPublic]


class AuditsPublic(BaseModel):
    data: list[AuditSummary]
    count: int
