"""AtMan itself, through the product's own `Explainer.explain` (the code users run)."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
        # Every method scores all of a case's units: a case is the document after any narrowing
        # (cuad-whole narrows as it builds its cases), so the engine must not narrow it again.
        product = explainer.config
        explainer.config = replace(
            product, context_budget_tokens=max(product.context_budget_tokens, explainer.max_context)
        )
        try:
            result = explainer.explain(
                case.text,
                case.question,
                answer=case.answer,
                units=case.units,
                mode=self.mode,
                factor=self.factor,
                kappa=self.kappa,
            )
        finally:
            explainer.config = product
        by_span = {(u.start, u.end): u.score for u in result.units}
        floor = min(by_span.values(), default=0.0) - 1.0  # a unit not explained ranks last
        return Attribution(
            scores=[by_span.get(tuple(span), floor) for span in case.units],
            forward_passes=result.forward_passes,
            extra={"method": result.method, "base_ce": result.base_ce, **result.stats},
        )
