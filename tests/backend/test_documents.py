"""Uploading and ingesting documents, deduplication, failures and tenant isolation."""

from __future__ import annotations

import uuid
from pathlib import Path

from backend_factories import (
    CONTRACT_TXT,
    SHORT_CONTRACT,
    auth,
    contract_pdf,
    make_key,
    upload,
    wait_until_final,
)
from fastapi.testclient import TestClient
from sqlalchemy import update

from backend.db import session_scope
from backend.models import Question


def test_upload_pdf_is_ingested_and_deduplicated(api: TestClient, tmp_path: Path) -> None:
    key = make_key()
    pdf = contract_pdf(tmp_path).read_bytes()
    r = upload(api, key, pdf, "employment_contract.pdf")
    assert r.status_code in (200, 202), r.text
    doc_id = r.json()["id"]
    doc = wait_until_final(api, key, f"/v1/documents/{doc_id}")
    assert doc["status"] == "done", doc
    assert doc["kind"] == "pdf" and doc["pages"] >= 1 and doc["chunks"] >= 5
    assert "28.50 GBP per hour" in doc["text"]
    assert doc["chars"] == len(doc["text"])
    assert doc["page_ranges"][0]["start"] == 0
    assert doc["page_ranges"][-1]["end"] <= len(doc["text"])

    again = upload(api, key, pdf, "renamed.pdf")
    assert (again.status_code, again.json()) == (200, {"id": doc_id, "status": "done"})
    listing = api.get("/v1/documents", headers=auth(key)).json()
    assert listing["count"] == 1 and listing["data"][0]["id"] == doc_id


def test_corrupt_pdf_fails_with_its_message(api: TestClient) -> None:
    key = make_key()
    r = upload(api, key, b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage\n%%EOF", "bad.pdf")
    assert r.status_code == 202
    doc = wait_until_final(api, key, f"/v1/documents/{r.json()['id']}")
    assert doc["status"] == "failed"
    assert doc["error_code"] and doc["error"] and "bad.pdf" in doc["error"]
    assert doc["text"] is None
    # Asking about it is refused with the reason, not queued to fail later.
    q = api.post(
        f"/v1/documents/{doc['id']}/questions", json={"question": "Pay?"}, headers=auth(key)
    )
    assert q.status_code == 422
    assert q.json()["detail"].startswith("the document could not be ingested: ")


def test_another_tenants_objects_are_not_found(api: TestClient) -> None:
    owner, stranger = make_key(), make_key()
    # A short contract: the worker explains the question below in the background.
    doc_id = upload(api, owner, SHORT_CONTRACT.encode(), "contract.txt").json()["id"]
    wait_until_final(api, owner, f"/v1/documents/{doc_id}")
    q = api.post(
        f"/v1/documents/{doc_id}/questions",
        json={"question": "Who provides the services?", "answer": "The Supplier"},
        headers=auth(owner),
    )
    assert q.status_code == 202
    question_id = q.json()["id"]

    h = auth(stranger)
    for url in (
        f"/v1/documents/{doc_id}",
        f"/v1/documents/{doc_id}/questions",
        f"/v1/questions/{question_id}",
    ):
        r = api.get(url, headers=h)
        assert r.status_code == 404, url
    r = api.post(f"/v1/documents/{doc_id}/questions", json={"question": "Pay?"}, headers=h)
    assert (r.status_code, r.json()) == (404, {"detail": "document not found"})
    assert api.get("/v1/documents", headers=h).json() == {"data": [], "count": 0}
    assert api.get("/v1/questions", headers=h).json() == {"data": [], "count": 0}
    # The same bytes uploaded by the stranger are a separate document.
    theirs = upload(api, stranger, SHORT_CONTRACT.encode(), "contract.txt")
    assert theirs.status_code == 202 and theirs.json()["id"] != doc_id
    # The owner still sees their own.
    assert api.get(f"/v1/questions/{question_id}", headers=auth(owner)).status_code == 200


def test_identical_questions_are_reused_unless_failed(client: TestClient) -> None:
    key = make_key()
    h = auth(key)
    doc_id = upload(client, key, CONTRACT_TXT.read_bytes(), "contract.txt").json()["id"]
    wait_until_final(client, key, f"/v1/documents/{doc_id}")
    url = f"/v1/documents/{doc_id}/questions"
    body = {"question": "Pay?", "answer": "28.50 GBP"}
    # No model in this test: the question fails, and asking again makes a fresh attempt.
    first = client.post(url, json=body, headers=h).json()["id"]
    failed = wait_until_final(client, key, f"/v1/questions/{first}")
    assert failed["status"] == "failed" and failed["error"]
    second = client.post(url, json=body, headers=h)
    assert second.status_code == 202 and second.json()["id"] != first
    wait_until_final(client, key, f"/v1/questions/{second.json()['id']}")
    # Pretend the second attempt succeeded (test_full_path does it for real, with the model).
    with session_scope() as session:
        session.execute(
            update(Question)
            .where(Question.id == uuid.UUID(second.json()["id"]))
            .values(status="done")
        )
    same = client.post(url, json={"question": " Pay? ", "answer": "28.50 GBP "}, headers=h)
    assert (same.status_code, same.json()) == (200, {"id": second.json()["id"], "status": "done"})
    other = client.post(url, json={**body, "granularity": "sentence"}, headers=h)
    assert other.status_code == 202 and other.json()["id"] != second.json()["id"]


def test_hostile_file_names_and_content_types_are_stored_safely(api: TestClient) -> None:
    key = make_key()
    r = api.post(
        "/v1/documents",
        files={"file": ("../../etc/pass\x00wd\n.txt", b"Plain text.", "text/" + "x" * 300)},
        headers=auth(key),
    )
    assert r.status_code == 202, r.text
    doc = api.get(f"/v1/documents/{r.json()['id']}", headers=auth(key)).json()
    name = doc["filename"]
    assert name.startswith("pass") and name.endswith(".txt") and "/" not in name
    assert not any(ord(c) < 32 for c in name)
