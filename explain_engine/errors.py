"""Typed errors of the engine. Each message names the bad value."""

from __future__ import annotations

import time


class ExplainError(Exception):
    """Base class; ``code`` is a short machine-readable name, ``http_status`` its HTTP mapping."""

    code = "explain_error"
    http_status = 422


class InvalidInputError(ExplainError):
    """Empty question, unit spans outside the text, unknown mode or granularity, ..."""

    code = "invalid_input"
    http_status = 422


class ModelLoadError(ExplainError):
    """The model id or path cannot be loaded (unknown, no network, missing wheel)."""

    code = "model_not_found"
    http_status = 400


class TimeLimitError(ExplainError):
    """The explanation passed its deadline; it was stopped between forward passes."""

    code = "timeout"
    http_status = 504


def check_deadline(deadline: float | None) -> None:
    """Raise ``TimeLimitError`` when ``deadline`` (a ``time.monotonic()`` value) has passed."""
    if deadline is not None and time.monotonic() >= deadline:
        raise TimeLimitError("the explanation passed its time limit and was stopped")
