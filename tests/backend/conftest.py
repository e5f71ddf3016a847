"""Fixtures for the service tests.

Two ways the service runs, two fixtures:
- ``embedded``: SQLite in a temporary data folder, tasks on in-process threads (no services).
- ``services``: the PostgreSQL, Redis and Celery worker that scripts/services.sh starts
  (``make test``); skipped with the reason when its variables are missing, failed under CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend import migrate, queue
from backend.jobs import engine
from backend.main import create_app
from core.settings import get_settings

REPO = Path(__file__).resolve().parents[2]
SERVICE_VARS = ("DATABASE_URL", "CELERY_BROKER_URL")


class NoModel:
    """Stands in for the explainer in tests that do not look at explanations: a question
    they queue fails at once instead of keeping the in-process worker busy for a minute.
    Tests that explain use ``embedded_model`` (the real bundled model)."""

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        raise RuntimeError("this test runs without the model (use the embedded_model fixture)")


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Embedded default on a fresh SQLite file; yields the data folder."""
    monkeypatch.setenv("DOCQA_DATA_DIR", str(tmp_path / "data"))
    for name in (*SERVICE_VARS, "CELERY_RESULT_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    assert get_settings().embedded
    migrate.upgrade()
    engine.set_explainer(NoModel())  # type: ignore[arg-type]
    yield tmp_path / "data"
    queue.reset_embedded_runner()
    engine.set_explainer(None)
    get_settings.cache_clear()


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """PostgreSQL + Redis + a `docqa worker` process, from scripts/services.sh."""
    missing = [name for name in SERVICE_VARS if not os.environ.get(name)]
    if missing:
        reason = (
            f"{', '.join(missing)} not set: run the suite with `make test` (scripts/test.sh "
            "sources scripts/services.sh, which starts PostgreSQL, Redis and a Celery worker)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    get_settings.cache_clear()
    assert not get_settings().embedded
    migrate.upgrade()
    yield
    get_settings.cache_clear()


@pytest.fixture
def client(embedded: Path) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def services_client(services: None) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture(scope="session")
def service_explainer(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The bundled model, shared with the rest of the suite when tests/conftest.py has it."""
    try:
        explainer = request.getfixturevalue("explainer")
    except pytest.FixtureLookupError:
        from explain_engine import Explainer

        explainer = Explainer()
    return explainer


@pytest.fixture
def embedded_model(embedded: Path, service_explainer) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Embedded mode whose in-process tasks use the session's already loaded model."""
    engine.set_explainer(service_explainer)
    yield


@pytest.fixture(params=["embedded", "services"])
def api(request: pytest.FixtureRequest) -> TestClient:
    """The same tests on SQLite + in-process tasks and on PostgreSQL + Redis + worker."""
    return request.getfixturevalue("client" if request.param == "embedded" else "services_client")


@pytest.fixture(params=["embedded", "services"])
def database(request: pytest.FixtureRequest) -> str:
    """SQLite or the test PostgreSQL, for tests that call the jobs directly."""
    request.getfixturevalue(request.param)
    return request.param
