"""How a pydantic validation error reads to a person: ``field: reason; field: reason``.

One wording for the API's 422s, the audit uploads and the command line's option errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Where pydantic says a value came from, which the reader does not need to see.
_SOURCES = ("body", "query", "path", "header")


def error_message(errors: Sequence[Any], *, limit: int = 5) -> str:
    """The first ``limit`` of pydantic's ``exc.errors()`` as one line."""
    messages = []
    for err in list(errors)[:limit]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in _SOURCES) or "request"
        if err.get("type") == "literal_error":  # name the valid choices plainly
            choices = str(err["ctx"]["expected"]).replace("'", "")
            messages.append(f"{where}: {err['input']!r} is not one of {choices}")
        else:
            msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
            messages.append(f"{where}: {msg}")
    return "; ".join(messages) or "invalid request"
