"""Helpers that create tenants and drive the API the way a client does."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.crud import documents as documents_crud
from backend.crud import tenants
from backend.db import session_scope
from backend.jobs import runner
from backend.jobs.registry import JOBS
from backend.models import Document, Status, Tenant

REPO = Path(__file__).resolve().parents[2]
CONTRACT_TXT = REPO / "examples" / "employment_contract.txt"


def make_key(name: str | None = None) -> str:
    """A new tenant with one API key; returns the key."""
    with session_scope() as session:
        tenant = tenants.get_or_create_tenant(session, name=name or f"t-{uuid.uuid4().hex[:8]}")
        return tenants.create_api_key(session, tenant=tenant)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def contract_pdf(tmp_dir: Path) -> Path:
    """examples/employment_contract.pdf when present, else the same text set as a real PDF."""
    committed = REPO / "examples" / "employment_contract.pdf"
    if committed.is_file():
        return committed
    return text_pdf(CONTRACT_TXT.read_text(), tmp_dir / "employment_contract.pdf")


SHORT_CONTRACT = """SERVICE AGREEMENT

1. Services. The Supplier provides cleaning services at the Client's offices in York.

2. Fees. The Client pays the Supplier 1,200 GBP per month, invoiced in advance.

3. Termination. After probation either party must give four weeks' written notice.
"""


def text_pdf(text: str, out: Path) -> Path:
    """A real PDF (fpdf2) with one paragraph per blank-line separated block of ``text``."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in text.split("\n\n"):
        pdf.multi_cell(0, 6, paragraph.strip().replace("\u2019", "'"))
        pdf.ln(4)
    pdf.output(str(out))
    return out


def upload(client: TestClient, key: str, data: bytes, filename: str) -> Any:
    return client.post("/v1/documents", files={"file": (filename, data)}, headers=auth(key))


def wait_until_final(
    client: TestClient, key: str, url: str, *, timeout_s: float = 60.0
) -> dict[str, Any]:
    """Poll ``url`` until its status is done or failed."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(url, headers=auth(key))
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in ("done", "failed"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} still {body['status']} after {timeout_s} s")
        time.sleep(0.2)


def run_job(kind: str, row_id: uuid.UUID) -> str | None:
    """Run this row's job here, as a worker would (no wake-ups sent after it): its final
    status, or None when the row was not queued and ready."""
    outcome = runner.run(JOBS[kind], row_id)
    return outcome.status if outcome else None


def ingested_contract(
    session: Session, tenant_name: str, filename: str = "contract.txt"
) -> tuple[Tenant, Document]:
    """A new tenant and SHORT_CONTRACT stored and ingested for it, here (no worker)."""
    tenant = tenants.get_or_create_tenant(session, name=tenant_name)
    doc, _ = documents_crud.create_document(
        session,
        tenant=tenant,
        filename=filename,
        content_type=None,
        data=SHORT_CONTRACT.encode(),
    )
    assert run_job("ingest", doc.id) == Status.done
    return tenant, doc
