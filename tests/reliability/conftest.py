"""Fixtures for the reliability tests: the service fixtures of tests/backend, reused as they are
(embedded SQLite mode, and the PostgreSQL + Redis + worker that scripts/services.sh starts)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BACKEND_TESTS = Path(__file__).resolve().parents[1] / "backend"
# backend_factories is imported by its plain name, as tests/backend does.
sys.path.insert(0, str(BACKEND_TESTS))

_spec = importlib.util.spec_from_file_location(
    "backend_service_fixtures", BACKEND_TESTS / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

NoModel = _fixtures.NoModel
embedded = _fixtures.embedded
services = _fixtures.services
client = _fixtures.client
services_client = _fixtures.services_client
service_explainer = _fixtures.service_explainer
embedded_model = _fixtures.embedded_model
