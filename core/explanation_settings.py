"""The options that change an explanation's result, as one typed model.

The questions API, the audits API (JSON and CSV), the reuse key of a stored question, the jobs
and the command line all take their options through `ExplanationSettings`, so a value the engine
would refuse is refused at the edge (422 at the API, an `error:` line in the CLI) and never
queued. Valid names and ranges come from the engine's own constants.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.validation import error_message
from explain_engine.config import (
    FACTOR_MAX,
    FACTOR_MIN,
    KAPPA_MAX,
    KAPPA_MIN,
    MODES,
    SCOPES,
    VERIFY_K_MAX,
    VERIFY_K_MIN,
)
from explain_engine.units import GRANULARITIES

# Literal[tuple] expands to the tuple's members, so these follow the engine's lists.
Granularity = Literal[GRANULARITIES]  # type: ignore[valid-type]
Mode = Literal[MODES]  # type: ignore[valid-type]
Scope = Literal[SCOPES]  # type: ignore[valid-type]


class ExplanationSettings(BaseModel):
    """How to explain: units, suppression mode, strength and scope. None = the service's
    default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    granularity: Granularity = "paragraph"
    mode: Mode | None = None
    factor: float | None = Field(
        default=None,
        ge=FACTOR_MIN,
        lt=FACTOR_MAX,
        description="control factor: the share of attention a suppressed token keeps",
    )
    kappa: float | None = Field(
        default=None, gt=KAPPA_MIN, le=KAPPA_MAX, description="correlated suppression threshold"
    )
    scope: Scope | None = Field(
        default=None,
        description="suppression scope: full (exact AtMan), answer_side (suppressed only in "
        "the question and answer rows), two_stage (answer-side screening, the verify_k best "
        "re-scored in full)",
    )
    verify_k: int | None = Field(
        default=None,
        ge=VERIFY_K_MIN,
        le=VERIFY_K_MAX,
        description="two_stage: how many screened units are re-scored with the full scope",
    )

    def engine_options(self) -> dict[str, Any]:
        """The per-call options of `Explainer.explain` / `core.pipeline.explain_document`."""
        return self.model_dump(include=set(ExplanationSettings.model_fields))

    def stored(self, *, model: str, answer: str | None) -> dict[str, Any]:
        """What a question row stores: every result-changing input besides the question text.

        Its reuse key is computed from exactly this, so an identical request is served from the
        database whichever surface (questions or audits) asked first.
        """
        return {**self.engine_options(), "model": model, "answer": answer}

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> ExplanationSettings:
        """The settings of a stored question row (its other keys, such as the model, ignored)."""
        return cls.model_validate({k: v for k, v in stored.items() if k in cls.model_fields})

    @classmethod
    def parse(cls, **values: Any) -> ExplanationSettings:
        """Settings from loose values (command-line options); None means the default.

        Raises `ValueError` with one readable line per bad option.
        """
        try:
            return cls.model_validate({k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            raise ValueError(error_message(exc.errors())) from exc
