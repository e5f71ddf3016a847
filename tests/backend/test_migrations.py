"""The Alembic migrations build the schema the models describe, and come down again,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, pool, text

from backend import migrate
from backend.db import normalise_url
from backend.models import Base

TABLES = set(Base.metadata.tables)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


@pytest.fixture
def postgres_url(services: None) -> Iterator[str]:
    """A scratch database on the test server, dropped afterwards."""
    server = make_url(normalise_url(os.environ["DATABASE_URL"]))
    name = f"docqa_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _check_round_trip(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    migrate.upgrade(url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == TABLES | {"alembic_version"}
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        # The migration and the models agree (nothing left for autogenerate to find).
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    migrate.upgrade(url)  # idempotent: a second start changes nothing
    migrate.downgrade(url, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 0
    migrate.upgrade(url)  # and up again from base
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == TABLES | {"alembic_version"}
    engine.dispose()


def test_sqlite_upgrade_and_downgrade(sqlite_url: str) -> None:
    _check_round_trip(sqlite_url)


def test_postgres_upgrade_and_downgrade(postgres_url: str) -> None:
    _check_round_trip(postgres_url)
