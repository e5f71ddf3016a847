"""Traceability and browser headers (issue 12, item 7), through the ASGI app."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from backend.main import create_app
from core.settings import get_settings


def test_a_500_names_its_request_id_in_body_header_and_log(
    embedded, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app()

    @app.get("/v0/boom")
    def boom() -> None:
        raise RuntimeError("secret detail: /srv/data/docqa.sqlite3")

    with TestClient(app) as client, caplog.at_level(logging.INFO):
        r = client.get("/v0/boom", headers={"X-Request-ID": "trace-me-42"})
    # Before: "internal error (request id None)", no header, no id in the log.
    assert r.status_code == 500
    assert r.json() == {"detail": "internal error (request id trace-me-42)"}
    assert r.headers["X-Request-ID"] == "trace-me-42"
    assert "secret detail" not in r.text
    errors = [rec for rec in caplog.records if rec.getMessage() == "unhandled error"]
    assert errors and errors[0].request_id == "trace-me-42"
    assert "secret detail" in logging.Formatter().formatException(errors[0].exc_info)
    access = [rec for rec in caplog.records if rec.getMessage() == "request"]
    assert access[-1].status == 500 and access[-1].request_id == "trace-me-42"


def test_a_request_id_that_is_not_printable_ascii_is_replaced(client: TestClient) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "a\tb"})
    assert r.headers["X-Request-ID"] != "a\tb" and len(r.headers["X-Request-ID"]) == 32


@pytest.mark.parametrize("path", ["/healthz", "/", "/v1/documents", "/static/app.js"])
def test_every_response_carries_the_browser_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"


def test_api_docs_follow_their_setting(embedded, monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(create_app()) as client:  # embedded mode: on by default
        assert client.get("/docs").status_code == 200
        assert json.loads(client.get("/openapi.json").text)["info"]["title"] == "docqa"
    monkeypatch.setenv("DOCQA_API_DOCS", "false")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404, path


def test_api_docs_are_off_by_default_with_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.delenv("DOCQA_API_DOCS", raising=False)
    get_settings.cache_clear()
    try:
        assert get_settings().docs_enabled is False
    finally:
        get_settings.cache_clear()
