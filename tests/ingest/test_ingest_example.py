"""The bundled example contract: its PDF ingests to exactly the clauses of its text."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ingest import load_document
from ingest.segment import paragraph_spans

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_example_pdf_gives_clean_clauses() -> None:
    doc = load_document(EXAMPLES / "employment_contract.pdf")
    expected = EXAMPLES.joinpath("employment_contract.txt").read_text(encoding="utf-8").strip()
    assert doc.text == expected  # no running header, no "Page N of 2"
    assert len(doc.pages) == 2
    paragraphs = [doc.text[s:e] for s, e in paragraph_spans(doc.text)]
    # One chunk per clause; the title goes with the opening paragraph.
    assert [c.text for c in doc.chunks] == [paragraphs[0] + "\n\n" + paragraphs[1], *paragraphs[2:]]
    pay = next(c for c in doc.chunks if c.text.startswith("5. Pay."))
    assert "28.50 GBP per hour" in pay.text and pay.page == 1
    # Clause 10 starts on page 1 and ends on page 2.
    confidentiality = next(c for c in doc.chunks if c.text.startswith("10. Confidentiality."))
    assert confidentiality.page == 1
    assert doc.page_at(confidentiality.end - 1) == 2


def test_example_pdf_is_up_to_date(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_example_pdf", EXAMPLES / "make_example_pdf.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.build(out=tmp_path / "contract.pdf")
    # Same content as the committed file (bytes may differ with another fpdf2 version).
    fresh, committed = load_document(out), load_document(EXAMPLES / "employment_contract.pdf")
    assert fresh.text == committed.text
    assert fresh.pages == committed.pages
