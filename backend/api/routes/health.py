"""Liveness and readiness (no authentication)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from backend.db import get_engine
from core.settings import get_settings

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    broker: str


@router.get("/healthz", response_model=Health)
def read_health() -> Health:
    """The process answers."""
    return Health(status="ok")


def _check_database() -> str:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        log.warning("database not reachable", exc_info=True)
        return f"unreachable: {type(exc).__name__}"


def _check_broker() -> str:
    if get_settings().embedded:
        return "in-process"
    from backend.celery_app import celery_app

    try:
        with celery_app.connection_for_write(get_settings().celery_broker_url) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return "ok"
    except Exception as exc:
        log.warning("broker not reachable", exc_info=True)
        return f"unreachable: {type(exc).__name__}"


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def read_readiness() -> Readiness | JSONResponse:
    """The database and the broker are reachable (503 otherwise)."""
    result = Readiness(status="ok", database=_check_database(), broker=_check_broker())
    if result.database != "ok" or result.broker not in ("ok", "in-process"):
        result.status = "unavailable"
        return JSONResponse(result.model_dump(), status_code=503)
    return result
