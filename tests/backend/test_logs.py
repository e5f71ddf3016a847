"""Logs are JSON with request and task ids, and carry no document text and no keys."""

from __future__ import annotations

import json
import logging

import pytest
from backend_factories import make_key, upload, wait_until_final
from fastapi.testclient import TestClient

from backend.logs import JsonFormatter

SECRET_CLAUSE = "The launch codes are ZEBRA-7741-QUOKKA and must never leave the vault."


def test_logs_are_json_with_ids_and_no_secrets(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = make_key()
    text = f"SECRET AGREEMENT\n\n{SECRET_CLAUSE}\n\nSigned by both parties.\n"
    r = upload(client, key, text.encode(), "secret.txt")
    wait_until_final(client, key, f"/v1/documents/{r.json()['id']}")
    client.get("/v1/documents", headers={"Authorization": "Bearer dq_wrong-key-123456"})

    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(record)) for record in caplog.records]
    blob = "\n".join(json.dumps(line) for line in lines)
    assert "ZEBRA-7741" not in blob and "launch codes" not in blob
    assert key not in blob and key[12:] not in blob and "wrong-key" not in blob

    requests = [x for x in lines if x["msg"] == "request"]
    assert requests and all(len(x["request_id"]) == 32 for x in requests)
    assert {x["status"] for x in requests} >= {202, 200, 401}
    assert {x["tenant_id"] for x in requests if x["status"] == 202} != {None}
    tasks = [x for x in lines if x["msg"] == "task finished"]
    assert tasks and all(x["task_id"].startswith("embedded-") for x in tasks)
    assert tasks[0]["task"] == "docqa.ingest.document" and tasks[0]["status"] == "done"


def test_request_id_is_echoed(client: TestClient) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
