"""Attribution methods compared by `docqa bench quality`, by name."""

from __future__ import annotations

from collections.abc import Callable

from bench.baselines.atman import Atman, AtmanAnswerSide, AtmanTwoStage
from bench.baselines.attention import RawAttention
from bench.baselines.base import Attribution, Method
from bench.baselines.context_cite import ContextCite
from bench.baselines.input_x_gradient import InputXGradient
from bench.baselines.integrated_gradients import IntegratedGradients
from bench.baselines.leave_one_out import LeaveOneOut

REGISTRY: dict[str, Callable[..., Method]] = {
    cls.name: cls
    for cls in (
        Atman,
        AtmanAnswerSide,
        AtmanTwoStage,
        LeaveOneOut,
        InputXGradient,
        IntegratedGradients,
        RawAttention,
        ContextCite,
    )
}


def get(name: str, **settings) -> Method:
    """A method by registry name, with its settings (unknown settings are an error)."""
    if name not in REGISTRY:
        raise KeyError(f"unknown method {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name](**settings)


def names() -> list[str]:
    return sorted(REGISTRY)


__all__ = ["Attribution", "Method", "get", "names"]
