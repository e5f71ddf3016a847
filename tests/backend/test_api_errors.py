"""Authentication and every error status, on the embedded default (no services needed)."""

from __future__ import annotations

import uuid

import pytest
from backend_factories import CONTRACT_TXT, auth, make_key, upload
from fastapi.testclient import TestClient

from backend.crud import tenants
from backend.db import session_scope


def test_health_needs_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing API key"),
        ({"Authorization": "Basic abc"}, "malformed Authorization header"),
        ({"Authorization": "Bearer"}, "malformed Authorization header"),
        ({"Authorization": "Bearer dq_not-a-real-key"}, "invalid or revoked API key"),
    ],
)
def test_routes_need_a_valid_key(client: TestClient, headers: dict, message: str) -> None:
    for method, url in [
        ("get", "/v1/documents"),
        ("get", f"/v1/documents/{uuid.uuid4()}"),
        ("get", f"/v1/questions/{uuid.uuid4()}"),
        ("post", "/v1/documents"),
    ]:
        response = getattr(client, method)(url, headers=headers)
        assert response.status_code == 401, (url, response.text)
        assert message in response.json()["detail"]
        assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_key_is_refused(client: TestClient) -> None:
    key = make_key()
    assert client.get("/v1/documents", headers=auth(key)).status_code == 200
    with session_scope() as session:
        assert tenants.revoke_api_key(session, prefix=key[:12])
    response = client.get("/v1/documents", headers=auth(key))
    assert response.status_code == 401
    assert response.json() == {"detail": "invalid or revoked API key"}


def test_upload_errors(client: TestClient, embedded, monkeypatch: pytest.MonkeyPatch) -> None:
    key = make_key()
    h = auth(key)

    r = upload(client, key, b"", "empty.txt")
    assert (r.status_code, r.json()) == (400, {"detail": "empty.txt is empty"})

    r = upload(client, key, b"MZ\x90\x00binary", "tool.exe")
    assert r.status_code == 415
    assert "file type .exe is not supported" in r.json()["detail"]

    r = upload(client, key, b"just some text, not a PDF", "contract.pdf")
    assert r.status_code == 415
    assert "named .pdf but its content is plain text" in r.json()["detail"]

    r = client.post("/v1/documents", headers=h)  # no file part at all
    assert r.status_code == 422
    assert r.json()["detail"] == "file: Field required"

    r = client.post("/v1/documents", data={"file": "not a file"}, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("file:")

    from core.settings import get_settings

    monkeypatch.setenv("DOCQA_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    r = upload(client, key, b"a" * (1024 * 1024 + 10), "big.txt")
    assert r.status_code == 413
    assert r.json() == {"detail": "file too large: the limit is 1 MiB"}


def test_not_found_and_malformed_ids(client: TestClient) -> None:
    h = auth(make_key())
    missing = uuid.uuid4()
    for url, what in [
        (f"/v1/documents/{missing}", "document"),
        (f"/v1/questions/{missing}", "question"),
        (f"/v1/documents/{missing}/questions", "document"),
    ]:
        r = client.get(url, headers=h)
        assert (r.status_code, r.json()) == (404, {"detail": f"{what} not found"})
    r = client.post(f"/v1/documents/{missing}/questions", json={"question": "Why?"}, headers=h)
    assert (r.status_code, r.json()) == (404, {"detail": "document not found"})
    r = client.get("/v1/documents/not-a-uuid", headers=h)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("document_id:")
    r = client.get("/v1/documents?limit=0", headers=h)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("limit:")


def test_question_validation(client: TestClient) -> None:
    key = make_key()
    h = auth(key)
    doc_id = upload(client, key, CONTRACT_TXT.read_bytes(), "c.txt").json()["id"]
    url = f"/v1/documents/{doc_id}/questions"
    cases = [
        ({"question": "   "}, "question: question must not be blank"),
        ({}, "question: Field required"),
        (
            {"question": "Pay?", "granularity": "chapter"},
            "granularity: 'chapter' is not one of paragraph, sentence, word or token",
        ),
        ({"question": "Pay?", "mode": "subtractive"}, "mode: 'subtractive' is not one of"),
        # The engine's own ranges: accepted here means the worker will not refuse it.
        ({"question": "Pay?", "factor": 1}, "factor: Input should be less than 1"),
        ({"question": "Pay?", "factor": 500}, "factor: Input should be less than 1"),
        ({"question": "Pay?", "kappa": 0}, "kappa: Input should be greater than 0"),
        ({"question": "Pay?", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"question": "x" * 2001}, "question: String should have at most 2000 characters"),
        ({"question": "Pay?", "kappa": 2}, "kappa: Input should be less than or equal to 1"),
        ({"question": "Pay\u0000?"}, "question: question must not contain NUL characters"),
        ({"question": "Pay?", "answer": "\u0000"}, "answer: answer must not contain NUL"),
    ]
    for body, message in cases:
        r = client.post(url, json=body, headers=h)
        assert r.status_code == 422, body
        assert r.json()["detail"].startswith(message), r.json()
    r = client.post(url, content=b"{not json", headers={**h, "content-type": "application/json"})
    assert r.status_code == 422
    assert "JSON decode error" in r.json()["detail"]


def test_openapi_documents_json_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/v1/documents"]["post"]
    assert set(post["responses"]) >= {"200", "202", "400", "401", "413", "415", "422"}
    ref = post["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/ErrorResponse")


def test_readyz_reports_what_is_unreachable(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.main import create_app
    from core.settings import get_settings

    # Nothing listens on port 9 of loopback (discard service, never run here).
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")
    get_settings.cache_clear()
    try:
        with TestClient(create_app()) as c:
            assert c.get("/healthz").status_code == 200
            r = c.get("/readyz")
            assert r.status_code == 503
            body = r.json()
            assert body["status"] == "unavailable"
            assert body["database"].startswith("unreachable")
            assert body["broker"].startswith("unreachable")
            # Authenticated routes need the database: a clean 503, not a traceback.
            r = c.get("/v1/documents", headers=auth("dq_some-key"))
            assert r.status_code == 503
            assert r.json() == {"detail": "the database is unavailable; try again shortly"}
    finally:
        get_settings.cache_clear()
