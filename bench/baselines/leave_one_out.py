"""Leave-one-out deletion: score(u) = CE(answer | document without u's text) - CE(answer)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.baselines.base import Attribution
from bench.baselines.prompt_tokens import answer_ce
from bench.data.case import Case
from explain_engine import Explainer


def without(text: str, span: tuple[int, int]) -> str:
    s, e = span
    # Drop the unit and the whitespace after it, so no double blank line is left behind.
    while e < len(text) and text[e].isspace():
        e += 1
    return text[:s] + text[e:]


@dataclass
class LeaveOneOut:
    name: str = "leave_one_out"

    def settings(self) -> dict:
        return {}

    def attribute(self, explainer: Explainer, case: Case) -> Attribution:
        base = answer_ce(explainer, case, case.text)
        scores = [answer_ce(explainer, case, without(case.text, u)) - base for u in case.units]
        return Attribution(
            scores=scores, forward_passes=len(case.units) + 1, extra={"base_ce": base}
        )
