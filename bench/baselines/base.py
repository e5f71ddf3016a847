"""The interface every attribution method implements, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bench.data.case import Case
from explain_engine import Explainer


@dataclass
class Attribution:
    scores: list[float]  # one per unit of the case; higher = more evidence
    forward_passes: int  # sequences run forward through the model
    backward_passes: int = 0
    extra: dict = field(default_factory=dict)


class Method(Protocol):
    name: str

    def settings(self) -> dict:
        """The method's settings, stored with every result so runs can be told apart."""

    def attribute(self, explainer: Explainer, case: Case) -> Attribution:
        """Score every unit of ``case`` for the answer ``case.answer``."""
