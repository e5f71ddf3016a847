"""Run the Alembic migrations from code (`docqa migrate`, `docqa serve`, tests)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, pool, text
from sqlalchemy.exc import OperationalError

from backend.db import normalise_url, prepare_sqlite_file
from core.settings import get_settings

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    # '%' is Alembic's interpolation character; URLs may contain it (escaped passwords).
    url = normalise_url(url or get_settings().resolved_database_url)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def wait_for_database(url: str | None = None, *, timeout_s: float = 60.0) -> None:
    """Block until the database accepts connections (compose starts it alongside us)."""
    url = normalise_url(url or get_settings().resolved_database_url)
    prepare_sqlite_file(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                log.info("waiting for the database")
                time.sleep(1.0)
    finally:
        engine.dispose()


def upgrade(url: str | None = None, revision: str = "head") -> None:
    prepare_sqlite_file(url or get_settings().resolved_database_url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
