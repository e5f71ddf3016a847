"""Shapes shared by every resource."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, PlainSerializer

Status = Literal["queued", "running", "done", "failed"]


def _utc(value: datetime) -> str:
    # SQLite returns naive datetimes; every stored time is UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


UtcDatetime = Annotated[datetime, PlainSerializer(_utc, return_type=str)]


class ErrorResponse(BaseModel):
    detail: str


class Accepted(BaseModel):
    """Answer to a POST that queues work: poll the resource by id."""

    id: str
    status: Status


# Error statuses each kind of route can answer, for the OpenAPI schema.
def errors(*codes: int) -> dict[int | str, dict[str, object]]:
    return {code: {"model": ErrorResponse} for code in (401, 422, *codes)}
