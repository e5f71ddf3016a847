"""`GET /v1/questions/{id}/evidence.pdf`: the original PDF with the evidence highlighted.

The done path runs the real bundled model in embedded mode on a real (fpdf2) PDF; the error
paths run on both SQLite + in-process tasks and PostgreSQL + Redis + the worker."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path

from backend_factories import SHORT_CONTRACT, auth, make_key, text_pdf, upload, wait_until_final
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from backend.db import session_scope
from backend.models import DocumentFile
from ingest.geometry import same_text, span_text_under
from tests.core.reports.pdfannots import highlights


def _ask(api: TestClient, key: str, doc_id: str, **body: str) -> str:
    r = api.post(f"/v1/documents/{doc_id}/questions", json=body, headers=auth(key))
    assert r.status_code == 202, r.text
    return r.json()["id"]


def test_done_question_downloads_the_pdf_with_one_highlight_per_span(
    embedded_model: None, client: TestClient, tmp_path: Path
) -> None:
    key = make_key()
    data = text_pdf(SHORT_CONTRACT, tmp_path / "service.pdf").read_bytes()
    doc_id = upload(client, key, data, "service.pdf").json()["id"]
    assert wait_until_final(client, key, f"/v1/documents/{doc_id}")["status"] == "done"
    question_id = _ask(
        client, key, doc_id, question="How much is the monthly fee?", answer="1,200 GBP per month"
    )
    body = wait_until_final(client, key, f"/v1/questions/{question_id}", timeout_s=600)
    assert body["status"] == "done" and body["evidence"], body

    r = client.get(f"/v1/questions/{question_id}/evidence.pdf", headers=auth(key))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert len(PdfReader(io.BytesIO(r.content)).pages) == len(PdfReader(io.BytesIO(data)).pages)
    marks = highlights(r.content)
    evidence = body["evidence"]
    assert len(marks) == len(evidence)  # one page: one highlight per span
    for rank, (span, mark) in enumerate(zip(evidence, marks, strict=True), 1):
        assert mark.note.startswith(f"Evidence #{rank} of {len(evidence)}, score ")
        assert f"score {span['score']:.4f}" in mark.note
        assert mark.page == span["page"]
        assert same_text(span_text_under(r.content, mark.rects), span["text"])
    assert "1,200 GBP per month" in evidence[0]["text"]

    # The web page's view of the same: the page image and the boxes, as fractions of it.
    h = client.get(f"/v1/questions/{question_id}/highlights", headers=auth(key))
    assert h.status_code == 200, h.text
    boxes = h.json()
    assert boxes["supported"] is body["supported"] and boxes["pages"][0]["page"] == 1
    assert [e["rank"] for e in boxes["evidence"]] == list(range(1, len(evidence) + 1))
    for span, shown, mark in zip(evidence, boxes["evidence"], marks, strict=True):
        assert (shown["start"], shown["end"]) == (span["start"], span["end"])
        assert len(shown["boxes"]) == len(mark.rects)  # the same line pieces as the PDF's
        for b in shown["boxes"]:
            assert b["page"] == span["page"]
            assert 0 <= b["x"] < b["x"] + b["w"] <= 1 and 0 <= b["y"] < b["y"] + b["h"] <= 1
    png = client.get(f"/v1/documents/{doc_id}/pages/1.png?width=400", headers=auth(key))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png.content[16:20], "big") == 400  # IHDR width
    r = client.get(f"/v1/documents/{doc_id}/pages/2.png", headers=auth(key))
    assert (r.status_code, r.json()) == (
        404,
        {"detail": "page 2 not found: the document has 1"},
    )
    r = client.get(f"/v1/documents/{doc_id}/pages/1.png?width=5000", headers=auth(key))
    assert r.status_code == 422  # bounded: the server renders at most 2000 pixels wide

    # The stored upload is the original, byte for byte.
    with session_scope() as session:
        stored = session.scalar(
            select(DocumentFile.data).where(DocumentFile.document_id == uuid.UUID(doc_id))
        )
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()
    # Another tenant cannot read it.
    r = client.get(f"/v1/questions/{question_id}/evidence.pdf", headers=auth(make_key()))
    assert (r.status_code, r.json()) == (404, {"detail": "question not found"})


def test_a_question_not_done_is_409(client: TestClient, tmp_path: Path) -> None:
    # No model here: the question stays queued or fails, and neither has evidence to draw.
    key = make_key()
    data = text_pdf(SHORT_CONTRACT, tmp_path / "service.pdf").read_bytes()
    doc_id = upload(client, key, data, "service.pdf").json()["id"]
    wait_until_final(client, key, f"/v1/documents/{doc_id}")
    question_id = _ask(client, key, doc_id, question="Fee?", answer="1,200 GBP")
    for route in ("evidence.pdf", "highlights"):
        r = client.get(f"/v1/questions/{question_id}/{route}", headers=auth(key))
        assert r.status_code == 409, r.text
    assert r.json()["detail"].startswith("the question is ")
    assert r.json()["detail"].endswith(": its evidence on the page exists once it is done")


def test_a_text_document_is_422_and_another_tenant_404(api: TestClient) -> None:
    owner = make_key()
    doc_id = upload(api, owner, SHORT_CONTRACT.encode(), "contract.txt").json()["id"]
    wait_until_final(api, owner, f"/v1/documents/{doc_id}")
    question_id = _ask(api, owner, doc_id, question="Who provides the services?", answer="x")
    url = f"/v1/questions/{question_id}/evidence.pdf"
    r = api.get(url, headers=auth(owner))
    assert (r.status_code, r.json()) == (
        422,
        {"detail": "the document is a txt file, not a PDF: it has no pages to annotate"},
    )
    assert api.get(url, headers=auth(make_key())).status_code == 404
    r = api.get(f"/v1/questions/{question_id}/highlights", headers=auth(owner))
    assert r.status_code == 422
    r = api.get(f"/v1/documents/{doc_id}/pages/1.png", headers=auth(owner))
    assert (r.status_code, r.json()) == (
        422,
        {"detail": "the document is a txt file, not a PDF: it has no pages"},
    )
    unknown = f"/v1/questions/{uuid.uuid4()}/evidence.pdf"
    assert api.get(unknown, headers=auth(owner)).status_code == 404
