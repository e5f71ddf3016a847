"""AtMan itself, through the product's own `Explainer.explain` (the code users run), in each
suppression scope (DESIGN 1.7): `atman` is the full scope (exact AtMan) whatever the product's
default, `atman_answer_side` the answer-side scope, `atman_two_stage` the two-stage path."""

from __future__ import annotations

from dataclasses import dataclass

from bench.baselines.base import Attribution
from bench.data.case import Case
from explain_engine import Explainer
from explain_engine.config import ANSWER_SIDE, FULL, TWO_STAGE


@dataclass
class Atman:
    mode: str | None = None
    factor: float | None = None
    kappa: float | None = None
    name: str = "atman"
    scope: str = FULL

    def settings(self) -> dict:
        return {"mode": self.mode, "factor": self.factor, "kappa": self.kappa}

    def attribute(self, explainer: Explainer, case: Case) -> Attribution:
        # Every method scores all of a case's units: a case is the document after any narrowing
        # (cuad-whole narrows as it builds its cases), so the engine must not narrow it again.
        result = explainer.explain(
            case.text,
            case.question,
            answer=case.answer,
            units=case.units,
            context_budget=max(explainer.context_budget, explainer.max_context),
            **self.engine_options(),
        )
        by_span = {(u.start, u.end): u.score for u in result.units}
        floor = min(by_span.values(), default=0.0) - 1.0  # a unit not explained ranks last
        verified = [i for i, u in enumerate(result.units) if u.verified]
        return Attribution(
            scores=[by_span.get(tuple(span), floor) for span in case.units],
            forward_passes=result.forward_passes,
            extra={
                "method": result.method,
                "base_ce": result.base_ce,
                "verified": verified,
                **result.stats,
            },
        )

    def engine_options(self) -> dict:
        return {**self.settings(), "scope": self.scope}


@dataclass
class AtmanAnswerSide(Atman):
    name: str = "atman_answer_side"
    scope: str = ANSWER_SIDE


@dataclass
class AtmanTwoStage(Atman):
    name: str = "atman_two_stage"
    scope: str = TWO_STAGE
    verify_k: int | None = None  # None: the engine's default

    def settings(self) -> dict:
        return {**super().settings(), "verify_k": self.verify_k}
