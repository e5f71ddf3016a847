"""Batch audits over the API: items in (JSON or CSV), progress, per-item results, reports."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid

import pytest
from backend_factories import (
    CONTRACT_TXT,
    auth,
    make_key,
    upload,
    wait_until_final,
)

from tests.core.reports.htmlparse import Page


def _post_json(client, key, items, **extra):
    return client.post("/v1/audits", json={"items": items, **extra}, headers=auth(key))


def _post_csv(client, key, text: str | bytes, **fields):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/v1/audits",
        files={"file": ("items.csv", data, "text/csv")},
        data=fields,
        headers=auth(key),
    )


def test_unknown_documents_fail_their_items_not_the_audit(client):
    key = make_key()
    response = _post_json(
        client,
        key,
        [
            {"document": "nope.pdf", "question": "Who pays?"},
            {"document": str(uuid.uuid4()), "question": "Which law?", "answer": "Irish law"},
        ],
        name="empty",
    )
    assert response.status_code == 202, response.text
    audit = client.get(f"/v1/audits/{response.json()['id']}", headers=auth(key)).json()
    assert audit["status"] == "done" and audit["name"] == "empty"
    assert audit["progress"] == {"total": 2, "done": 0, "failed": 2}
    assert [i["status"] for i in audit["items"]] == ["failed", "failed"]
    assert "document not found: 'nope.pdf'" in audit["items"][0]["error"]
    assert audit["items"][1]["answer"] == "Irish law"
    assert audit["code_version"]["docqa"] and audit["settings"]["granularity"] == "paragraph"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("document,answer\na.pdf,x\n", 422, "lacks column(s) question"),
        ("document,question\n", 422, "no items"),
        (b"document,question\n\xff\xfe,x\n", 422, "UTF-8"),
        ("document,question\n" + "a.pdf,q\n" * 1001, 422, "at most 1000"),
    ],
)
def test_bad_csv_uploads_are_refused_with_a_message(client, body, status, message):
    response = _post_csv(client, make_key(), body)
    assert response.status_code == status
    assert message in response.json()["detail"]


def test_bad_requests_get_the_right_status(client):
    key = make_key()
    h = auth(key)
    r = client.post(
        "/v1/audits", content=b"document,question\n", headers={**h, "content-type": "text/csv"}
    )
    assert r.status_code == 415 and "multipart/form-data" in r.json()["detail"]
    r = client.post(
        "/v1/audits", content=b"{not json", headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 400 and "not valid JSON" in r.json()["detail"]
    r = _post_json(client, key, [])
    assert r.status_code == 422 and r.json()["detail"].startswith("items:")
    r = _post_json(client, key, [{"document": "a.pdf", "question": "  "}])
    assert r.status_code == 422 and "items.0.question" in r.json()["detail"]
    r = _post_json(client, key, [{"document": "a.pdf", "question": "q"}], granularity="page")
    assert r.status_code == 422 and "granularity" in r.json()["detail"]
    r = _post_json(client, key, [{"document": "a.pdf", "question": "q"}], factor=5)
    assert r.status_code == 422 and r.json()["detail"].startswith("factor: Input should be less")
    r = _post_csv(client, key, "x" * (3 * 1024 * 1024))
    assert r.status_code == 413
    r = client.post("/v1/audits", json={"items": [{"document": "a", "question": "q"}]})
    assert r.status_code == 401
    r = client.get(f"/v1/audits/{uuid.uuid4()}/report?format=pdf", headers=h)
    assert r.status_code == 422 and "format" in r.json()["detail"]


def test_tenants_never_see_each_others_audits_or_documents(client, tmp_path):
    owner, other = make_key(), make_key()
    doc = upload(client, owner, CONTRACT_TXT.read_bytes(), "contract.txt").json()
    audit_id = _post_json(client, owner, [{"document": "nope", "question": "q"}]).json()["id"]
    for url in (f"/v1/audits/{audit_id}", f"/v1/audits/{audit_id}/report?format=csv"):
        response = client.get(url, headers=auth(other))
        assert response.status_code == 404 and response.json()["detail"] == "audit not found"
    assert client.get("/v1/audits", headers=auth(other)).json()["count"] == 0
    assert client.get("/v1/audits", headers=auth(owner)).json()["count"] == 1
    # The other tenant cannot reach the owner's document by id or by file name.
    response = _post_json(
        client,
        other,
        [{"document": doc["id"], "question": "q"}, {"document": "contract.txt", "question": "q"}],
    )
    items = client.get(f"/v1/audits/{response.json()['id']}", headers=auth(other)).json()["items"]
    assert [i["status"] for i in items] == ["failed", "failed"]
    assert all(i["document_id"] is None for i in items)


SHORT_CONTRACT = (
    "SERVICE AGREEMENT\n\n"
    "1. Services. The Supplier maintains the Client's accounting software on working days.\n\n"
    "2. Fees. The Client pays the Supplier 95 EUR per hour of support, invoiced monthly.\n\n"
    "3. Term. This Agreement runs for two years from 1 May 2026.\n\n"
    "4. Governing Law. This Agreement is governed by the laws of Ireland.\n"
)


@pytest.mark.slow
def test_audit_explains_items_and_reports_the_evidence(client, embedded_model):
    """The embedded default end to end: a CSV upload naming the document by file name and by
    id (two identical items: one explanation), and a missing document; the report highlights
    the fees clause."""
    key = make_key()
    doc = upload(client, key, SHORT_CONTRACT.encode(), "service.txt").json()
    wait_until_final(client, key, f"/v1/documents/{doc['id']}")
    items = (
        "document,question,answer\n"
        "service.txt,What is the hourly fee?,95 EUR per hour\n"
        "missing.pdf,What is the hourly fee?,\n"
        f"{doc['id']},What is the hourly fee?,95 EUR per hour\n"
    )
    response = _post_csv(client, key, items, name="fee check")
    assert response.status_code == 202, response.text
    audit = wait_until_final(client, key, f"/v1/audits/{response.json()['id']}", timeout_s=300)
    assert audit["progress"] == {"total": 3, "done": 2, "failed": 1}
    by_name, missing, by_id = audit["items"]
    assert missing["status"] == "failed" and "missing.pdf" in missing["error"]
    assert by_name["document_id"] == by_id["document_id"] == doc["id"]
    assert by_name["question_id"] == by_id["question_id"]  # one shared question
    result = by_name["result"]
    assert result["answer"] == "95 EUR per hour" and result["answer_source"] == "given"
    assert "95 EUR per hour" in result["evidence"][0]["text"]
    assert audit["model"] == result["model"] and audit["method"]["name"] == "atman"
    # Both done items share one result, so one verdict counted twice; the classes add up.
    label = result["verdict"]["label"]
    assert audit["verdicts"][label] == 2 and sum(audit["verdicts"].values()) == 2

    report = client.get(f"/v1/audits/{audit['id']}/report?format=html", headers=auth(key))
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    page = Page(report.text)
    strongest = max(page.find("mark"), key=lambda m: m.alpha)
    assert "95 EUR per hour" in strongest.text
    assert page.find("script") == []

    csv_report = client.get(f"/v1/audits/{audit['id']}/report?format=csv", headers=auth(key))
    rows = list(csv.DictReader(io.StringIO(csv_report.text)))
    assert [r["status"] for r in rows] == ["done", "failed", "done"]
    assert "95 EUR per hour" in rows[0]["evidence_1_text"] and rows[0]["evidence_1_page"] == "1"
    assert rows[0]["verdict"] == label and rows[1]["verdict"] == ""
    p = [float(rows[0][f"p_{v}"]) for v in ("supported", "contradicted", "not_in_document")]
    assert sum(p) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.slow
@pytest.mark.services
def test_audit_items_run_on_the_celery_worker(services_client):
    """PostgreSQL + Redis + the `docqa worker` process: items fan out as one task each; two
    identical items share one question, and both are saved with its result."""
    client = services_client
    key = make_key()
    doc = upload(client, key, SHORT_CONTRACT.encode(), "service.txt").json()
    wait_until_final(client, key, f"/v1/documents/{doc['id']}", timeout_s=120)
    item = {"document": doc["id"], "question": "What is the hourly fee?", "answer": "95 EUR"}
    response = _post_json(client, key, [item, item, {"document": "nope", "question": "q"}])
    assert response.status_code == 202, response.text
    audit = wait_until_final(client, key, f"/v1/audits/{response.json()['id']}", timeout_s=420)
    assert audit["progress"] == {"total": 3, "done": 2, "failed": 1}
    first, second, _ = audit["items"]
    assert first["question_id"] == second["question_id"] is not None
    assert first["result"] == second["result"]
    assert "95 EUR" in first["result"]["evidence"][0]["text"]


def test_openapi_documents_both_upload_forms_without_dangling_references(client):
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/v1/audits"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert body["application/json"]["schema"]["properties"]["items"]["items"]["required"] == [
        "document",
        "question",
    ]
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(spec))
    assert set(refs) <= set(spec["components"]["schemas"])
