"""AtMan explanation engine: which parts of a document an answer rests on.

from explain_engine import Explainer
result = Explainer().explain(text, question)
"""

from explain_engine.config import AtmanConfig
from explain_engine.errors import ExplainError, InvalidInputError, ModelLoadError, TimeLimitError
from explain_engine.explainer import Explainer
from explain_engine.result import Explanation, UnitScore

__all__ = [
    "AtmanConfig",
    "ExplainError",
    "Explainer",
    "Explanation",
    "InvalidInputError",
    "ModelLoadError",
    "TimeLimitError",
    "UnitScore",
]
