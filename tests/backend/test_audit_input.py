"""Malformed audits answer 400/422 with a message, never 500 (issue 12, items 4 and 6), on
SQLite and on PostgreSQL (where NUL in text would fail the insert)."""

from __future__ import annotations

import pytest
from backend_factories import auth, make_key
from fastapi.testclient import TestClient


def _items_csv(answer: str) -> bytes:
    return ("document,question,answer\ncontract.txt,Who?," + answer + "\n").encode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("answer", "Acme Ltd\r=cmd|' /C calc'!A0", "U+000D is not allowed"),
        ("question", "Who\x00?", "U+0000 is not allowed"),
        ("document", "contract\x1b.txt", "U+001B is not allowed"),
    ],
)
def test_control_characters_in_json_items_are_a_422(
    api: TestClient, field: str, value: str, message: str
) -> None:
    item = {"document": "contract.txt", "question": "Who?", "answer": "Acme", field: value}
    r = api.post("/v1/audits", json={"items": [item]}, headers=auth(make_key()))
    assert r.status_code == 422 and message in r.json()["detail"], r.text


def test_a_crlf_inside_an_answer_is_read_as_a_newline(api: TestClient) -> None:
    key = make_key()
    item = {"document": "contract.txt", "question": "Who?", "answer": "Acme\r\nLtd"}
    r = api.post("/v1/audits", json={"items": [item]}, headers=auth(key))
    assert r.status_code == 202, r.text
    body = api.get(f"/v1/audits/{r.json()['id']}", headers=auth(key)).json()
    assert body["items"][0]["answer"] == "Acme\nLtd"


def test_control_characters_in_a_csv_upload_are_a_422(api: TestClient) -> None:
    r = api.post(
        "/v1/audits",
        files={"file": ("items.csv", _items_csv('"Acme\x00Ltd"'))},
        headers=auth(make_key()),
    )
    assert r.status_code == 422 and r.json()["detail"] == (
        "file: line 2: control character U+0000 is not allowed"
    )


def test_a_csv_field_over_the_csv_modules_limit_is_a_422(api: TestClient) -> None:
    # Before: csv.Error "field larger than field limit (131072)" answered 500.
    r = api.post(
        "/v1/audits",
        files={"file": ("items.csv", _items_csv('"' + "a" * 200_000 + '"'))},
        headers=auth(make_key()),
    )
    assert r.status_code == 422 and "field larger than field limit" in r.json()["detail"]
