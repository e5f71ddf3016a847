"""Typed errors of the engine. Each message names the bad value."""

from __future__ import annotations


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
