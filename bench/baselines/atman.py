"""AtMan itself, through the product's own `Explainer.explain` (the code users run)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.baselines.base import Attribution
from bench.data.case import Case
from explain_engine import Explainer


@dataclass
class Atman:
    mode: str | None = None
    factor: float | None = None
    kappa: float | None = None
    name: str = "atman"

    def settings(self) -> dict:
        return {"mode": self.mode, "factor": self.factor, "kappa": self.kappa}

    def attribute(self, explainer: Explainer, case: Case) -> Attribution:
        result = explainer.explain(
            case.text,
            case.question,
            answer=case.answer,
            units=case.units,
            mode=self.mode,
            factor=self.factor,
            kappa=self.kappa,
        )
        return Attribution(
            scores=[u.score for u in result.units],
            forward_passes=result.forward_passes,
            extra={"method": result.method, "base_ce": result.base_ce, **result.stats},
        )
