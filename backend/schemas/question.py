"""Questions and their explanations (the `docqa explain --json` fields)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.schemas.common import Status, UtcDatetime
from core.explanation_settings import ExplanationSettings
from explain_engine.verdict import VERDICTS

if TYPE_CHECKING:
    from backend.models import Question


class QuestionCreate(ExplanationSettings):
    """A question, an optional answer to check, and how to explain it."""

    question: str = Field(min_length=1, max_length=2000)
    answer: str | None = Field(default=None, max_length=4000)

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("question must not contain NUL characters")
        value = value.strip()
        if not value:
            raise ValueError("question must not be blank")
        return value

    @field_validator("answer")
    @classmethod
    def _blank_answer_is_none(cls, value: str | None) -> str | None:
        # An empty answer cell means "let the model answer" (audit spreadsheets too).
        if value is None:
            return None
        if "\x00" in value:
            raise ValueError("answer must not contain NUL characters")
        return value.strip() or None


class DocumentSummary(BaseModel):
    name: str
    pages: int
    chars: int
    sha256: str


class MethodPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    mode: str
    factor: float
    kappa: float | None = None
    granularity: str


class UnitPublic(BaseModel):
    index: int
    start: int
    end: int
    page: int
    score: float


class EvidencePublic(BaseModel):
    start: int
    end: int
    page: int
    score: float
    text: str


class VerdictPublic(BaseModel):
    """Does the document say this? (DESIGN 1.8)"""

    label: Literal[VERDICTS]  # type: ignore[valid-type]
    confidence: float  # probability of the label
    probabilities: dict[str, float]  # one per verdict
    features: dict[str, float]
    calibration: str
    evidence: list[EvidencePublic]  # the units the verdict was checked against, by importance
    forward_passes: int
    seconds: float


class CostPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    forward_passes: int
    seconds: float


class QuestionPublic(BaseModel):
    """Status, and once done the same fields as `docqa explain --json`."""

    id: str
    document_id: str
    status: Status
    error: str | None = None
    error_code: str | None = None
    question: str
    granularity: str
    created_at: UtcDatetime
    started_at: UtcDatetime | None = None
    finished_at: UtcDatetime | None = None
    # Filled when done:
    document: DocumentSummary | None = None
    answer: str | None = None
    answer_source: Literal["generated", "given"] | None = None
    # A generated answer the token limit cut, trimmed to its last full sentence.
    answer_trimmed: bool | None = None
    model: str | None = None
    method: MethodPublic | None = None
    units: list[UnitPublic] | None = None
    evidence: list[EvidencePublic] | None = None
    # supported = the verdict is "supported"; grounded = the answer draws on the document at all.
    supported: bool | None = None
    verdict: VerdictPublic | None = None
    grounded: bool | None = None
    cost: CostPublic | None = None
    explained_chunks: list[int] | None = None
    context_budget: int | None = None  # prompt tokens the document could take
    timings: dict[str, Any] | None = None


class QuestionsPublic(BaseModel):
    data: list[QuestionPublic]
    count: int


def question_public(row: Question) -> QuestionPublic:
    fields: dict[str, Any] = {
        "id": str(row.id),
        "document_id": str(row.document_id),
        "status": row.status,
        "error": row.error,
        "error_code": row.error_code,
        "question": row.question,
        "granularity": row.granularity,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
    }
    if row.status == "done" and row.result:
        result = dict(row.result)
        result.pop("question", None)
        fields.update(result)
        if row.explanation is not None:
            fields["timings"] = row.explanation.timings
    return QuestionPublic(**fields)


class PageSize(BaseModel):
    page: int
    width: float  # points
    height: float


class Box(BaseModel):
    """A rectangle as fractions of its page image, from the top left."""

    page: int
    x: float
    y: float
    w: float
    h: float


class EvidenceBoxes(BaseModel):
    rank: int  # 1 = highest score
    start: int
    end: int
    score: float
    boxes: list[Box]


class HighlightsPublic(BaseModel):
    """Where a done question's evidence sits on the PDF's pages."""

    supported: bool
    pages: list[PageSize]
    evidence: list[EvidenceBoxes]
