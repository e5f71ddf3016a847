"""All configuration, read from environment variables in one place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.explanation_settings import Mode, Scope
from explain_engine.config import (
    CONTEXT_BUDGET_MAX,
    CONTEXT_BUDGET_MIN,
    FACTOR_MAX,
    FACTOR_MIN,
    KAPPA_MAX,
    KAPPA_MIN,
    VERIFY_K_MAX,
    VERIFY_K_MIN,
)
from ingest import IngestLimits


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCQA_", extra="ignore")

    # Engine
    model: str | None = Field(default=None, description="HF model id or local path; None = bundled")
    model_cache_dir: Path = Field(
        default=Path.home() / ".cache" / "docqa" / "models",
        description="Where de-quantised GGUF weights are cached so later starts are fast",
    )
    device: str | None = None  # "cpu", "cuda", ...; None picks cuda when available
    mode: Mode = "log_additive"
    # None = the mode's default control factor
    factor: float | None = Field(default=None, ge=FACTOR_MIN, lt=FACTOR_MAX)
    kappa: float | None = Field(default=None, gt=KAPPA_MIN, le=KAPPA_MAX)
    # None = the engine's default (explain_engine/config.py AtmanConfig, DESIGN 1.7)
    scope: Scope | None = None
    verify_k: int | None = Field(default=None, ge=VERIFY_K_MIN, le=VERIFY_K_MAX)
    supported_threshold: float | None = None  # None = the engine's calibrated default
    # A verdict calibration file (`docqa bench verdict --json`) for the configured model; None =
    # the bundled model's own fit, or the uncalibrated reply probabilities for other models.
    verdict_calibration: Path | None = None
    memory_budget_mb: int | None = None  # None = the logits of a plain forward pass
    # Prompt tokens the document may take before retrieval narrows it; None = by device
    # (2,048 on CPU, the model's whole context on an accelerator).
    context_budget: int | None = Field(default=None, ge=CONTEXT_BUDGET_MIN, le=CONTEXT_BUDGET_MAX)

    # Ingestion
    target_chunks: int = 50
    max_upload_mb: int = 50
    # Request bodies, counted as they arrive (a declared Content-Length is not trusted): an
    # audit (JSON or CSV upload) and every other JSON body.
    max_audit_mb: int = Field(default=2, ge=1, le=100)
    max_body_kb: int = Field(default=64, ge=1, le=10_240)
    max_pages: int = 2000
    # Each document is read in a child process that may use this much more memory and time.
    ingest_max_memory_mb: int = 1024
    ingest_max_seconds: float = 300.0

    # Service
    data_dir: Path = Path("data")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    celery_broker_url: str | None = Field(default=None, validation_alias="CELERY_BROKER_URL")
    celery_result_backend: str | None = Field(
        default=None, validation_alias="CELERY_RESULT_BACKEND"
    )
    # /docs, /redoc and /openapi.json; None = on in embedded mode, off with PostgreSQL + Celery.
    api_docs: bool | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    # Tasks: a claimed row whose heartbeat is older than the lease is presumed dead (worker
    # killed) and re-queued by the sweeper; after max_attempts claims it is marked failed.
    task_lease_s: float = 60.0
    sweep_interval_s: float = 30.0
    task_max_attempts: int = 3
    # A queued row whose broker message was lost (Redis restarted without persistence) is sent
    # again after this long.
    task_lost_message_s: float = 600.0
    task_time_limit_s: int = 1800
    # Backpressure: uploads + questions queued or running per tenant before new ones get 429
    # (0 = no limit), and the Retry-After seconds sent with that 429.
    max_queued_per_tenant: int = 2000  # room for one full audit (1000 items) and more
    backpressure_retry_after_s: int = 30
    embedded_threads: int = 1  # in-process task threads when no broker is configured
    preload_model: bool = False  # load the model when a worker process starts, not on first task

    @property
    def ingest_limits(self) -> IngestLimits:
        """The limits every surface (CLI, audit, workers) reads documents under."""
        return IngestLimits(
            max_bytes=self.max_upload_mb * 1024 * 1024,
            max_pages=self.max_pages,
            max_seconds=self.ingest_max_seconds,
        )

    @property
    def model_name(self) -> str:
        """The model as results and reuse keys name it."""
        return self.model or "bundled"

    @property
    def embedded(self) -> bool:
        """No broker configured: run tasks in-process on SQLite."""
        return self.celery_broker_url is None

    @property
    def docs_enabled(self) -> bool:
        return self.embedded if self.api_docs is None else self.api_docs

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'docqa.sqlite3').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
