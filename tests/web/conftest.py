"""A live docqa server (embedded default: SQLite, in-process tasks) and headless Chromium.

The server runs in a thread of the test process so its tasks use the suite's one loaded
model. Chromium is Debian's package (scripts/browser.sh installs it), driven by Playwright
through ``executable_path``; Playwright's own browser download does not work here.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVICE_VARS = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    executable = os.environ.get("DOCQA_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).is_file():
        _missing(f"{executable} missing: install Debian's chromium (scripts/browser.sh)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


@dataclass
class LiveServer:
    url: str
    key: str
    other_key: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def web_explainer(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The suite's shared model (tests/conftest.py), or one loaded here."""
    try:
        return request.getfixturevalue("explainer")
    except pytest.FixtureLookupError:
        from explain_engine import Explainer

        return Explainer()


@pytest.fixture
def live_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    import uvicorn

    from backend import migrate, queue
    from backend.crud import tenants
    from backend.db import session_scope
    from backend.main import create_app
    from core.settings import get_settings

    monkeypatch.setenv("DOCQA_DATA_DIR", str(tmp_path / "data"))
    for name in SERVICE_VARS:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    assert get_settings().embedded
    migrate.upgrade()
    with session_scope() as session:
        key = tenants.create_api_key(
            session, tenant=tenants.get_or_create_tenant(session, name="web")
        )
        other = tenants.create_api_key(
            session, tenant=tenants.get_or_create_tenant(session, name="other")
        )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="docqa-web-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", key, other)
    server.should_exit = True
    thread.join(timeout=30)
    queue.reset_embedded_runner()
    get_settings.cache_clear()


@pytest.fixture
def live_server_model(live_server: LiveServer, web_explainer) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    from backend.jobs import engine

    engine.set_explainer(web_explainer)
    yield live_server
    engine.set_explainer(None)


def make_pdf(path: Path, paragraphs: list[str]) -> Path:
    """A real PDF (fpdf2, core font) with one paragraph per entry."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(4)
    pdf.output(str(path))
    return path
