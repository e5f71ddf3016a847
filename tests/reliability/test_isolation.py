"""Isolation on every route of the OpenAPI schema: another tenant's key gets 404 for the first
tenant's objects, a revoked key gets 401, and the logs carry no key and no document text."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from backend_factories import SHORT_CONTRACT, auth, make_key, upload, wait_until_final
from fastapi.testclient import TestClient

from backend.crud import tenants
from backend.db import session_scope
from backend.logs import JsonFormatter
from backend.security import token_prefix

PUBLIC = {"/healthz", "/readyz"}
# A body each POST route accepts, so the request gets past validation to the lookup.
BODIES: dict[str, dict[str, Any]] = {
    "/v1/documents/{document_id}/questions": {"json": {"question": "What is the fee?"}},
    "/v1/audits": {"json": {"items": [{"document": "x.txt", "question": "Fee?"}]}},
    "/v1/documents": {"files": {"file": ("n.txt", b"A short note about nothing.\n")}},
}

# Routes about an ingested PDF or a done question on one: the owner's text document and its
# unanswered question get the documented refusal there (found, but no page to show), never 404.
NEEDS_PDF: dict[str, set[int]] = {
    "/v1/questions/{question_id}/evidence.pdf": {409, 422},
    "/v1/questions/{question_id}/highlights": {409, 422},
    "/v1/documents/{document_id}/pages/{number}.png": {422},
}


def _operations(client: TestClient) -> list[tuple[str, str]]:
    schema = client.get("/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _objects(client: TestClient, key: str) -> dict[str, str]:
    """One document, question and audit of the tenant owning ``key``; their ids by parameter."""
    doc = upload(client, key, SHORT_CONTRACT.encode(), "contract.txt").json()["id"]
    wait_until_final(client, key, f"/v1/documents/{doc}")
    question = client.post(
        f"/v1/documents/{doc}/questions", json={"question": "Who pays?"}, headers=auth(key)
    ).json()["id"]
    audit = client.post(
        "/v1/audits",
        json={"items": [{"document": doc, "question": "Fee?", "answer": "1,200 GBP"}]},
        headers=auth(key),
    ).json()["id"]
    return {"document_id": doc, "question_id": question, "audit_id": audit, "number": "1"}


def _call(client: TestClient, method: str, path: str, ids: dict[str, str], key: str) -> Any:
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
    return client.request(method, url, headers=auth(key), **BODIES.get(path, {}))


def test_another_tenant_gets_404_on_every_route_with_an_id(client: TestClient) -> None:
    owner, stranger = make_key(), make_key()
    ids = _objects(client, owner)
    with_ids = [(m, p) for m, p in _operations(client) if "{" in p]
    assert len(with_ids) >= 5, with_ids  # documents, questions, audits and their sub-routes
    for method, path in with_ids:
        params = set(re.findall(r"\{(\w+)\}", path))
        assert params <= ids.keys(), f"{method} {path}: no fixture object for {params - ids.keys()}"
        r = _call(client, method, path, ids, stranger)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert set(r.json()) == {"detail"} and "not found" in r.json()["detail"]
        owner_ok = NEEDS_PDF.get(path, {200, 202})
        assert _call(client, method, path, ids, owner).status_code in owner_ok, (method, path)
    # Lists show only one's own objects.
    for path in ("/v1/documents", "/v1/questions", "/v1/audits"):
        assert client.get(path, headers=auth(stranger)).json()["count"] == 0, path
        assert client.get(path, headers=auth(owner)).json()["count"] >= 1, path


def test_a_revoked_key_gets_401_on_every_route(client: TestClient) -> None:
    key = make_key()
    ids = _objects(client, key)
    with session_scope() as session:
        assert tenants.revoke_api_key(session, prefix=token_prefix(key))
    operations = [(m, p) for m, p in _operations(client) if p not in PUBLIC]
    assert len(operations) >= 8
    for method, path in operations:
        r = _call(client, method, path, ids, key)
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert r.json()["detail"] == "invalid or revoked API key"
        assert r.headers["www-authenticate"] == "Bearer"
    for path in PUBLIC:
        assert client.get(path).status_code == 200


def test_full_path_logs_carry_no_key_and_no_document_text(
    client: TestClient, embedded_model: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = make_key()
    doc = upload(client, key, SHORT_CONTRACT.encode(), "contract.txt").json()["id"]
    question = client.post(
        f"/v1/documents/{doc}/questions",
        json={"question": "How much does the Client pay per month?"},
        headers=auth(key),
    ).json()["id"]
    result = wait_until_final(client, key, f"/v1/questions/{question}", timeout_s=240)
    assert result["status"] == "done", result
    client.get(f"/v1/documents/{doc}", headers=auth(key))

    formatter = JsonFormatter()
    blob = "\n".join(formatter.format(record) for record in caplog.records)
    assert [json.loads(line) for line in blob.splitlines() if line.startswith("{")]
    assert "question explained" in blob and "document ingested" in blob
    assert key not in blob and key[len(token_prefix(key)) :] not in blob
    sentences = [s.strip() for s in re.split(r"[.\n]", SHORT_CONTRACT) if len(s.strip()) > 15]
    for sentence in sentences:
        assert sentence not in blob, sentence
    for span in result["evidence"]:
        assert span["text"].strip() not in blob
    assert "How much does the Client pay" not in blob
