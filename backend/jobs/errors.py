"""Which errors a task retries (transient) and which it stores on the row (permanent)."""

from __future__ import annotations

import kombu.exceptions
import redis.exceptions
import sqlalchemy.exc

# Lost connections and lock timeouts pass; everything else is stored as `failed`.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
    ConnectionError,
)
