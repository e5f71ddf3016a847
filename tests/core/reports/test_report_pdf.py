"""The annotated PDF: the original file plus one highlight per evidence span and page, whose
rectangles cover the span's characters and whose note gives rank and score."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from pypdf import PdfReader

from core.reports.pdf import annotate_evidence
from ingest import load_document
from ingest.geometry import same_text, span_text_under
from tests.core.reports.pdfannots import highlights

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "employment_contract.pdf"


def test_each_span_is_one_highlight_per_page_over_its_own_characters() -> None:
    data = EXAMPLE.read_bytes()
    before = hashlib.sha256(data).hexdigest()
    doc = load_document(EXAMPLE)
    pay = doc.text.index("28.50 GBP per hour")
    crossing = next(c for c in doc.chunks if doc.page_at(c.start) != doc.page_at(c.end - 1))
    evidence = [
        {"start": pay, "end": pay + len("28.50 GBP per hour"), "score": 1.2},  # mid-line
        {"start": crossing.start, "end": crossing.end, "score": 0.6},  # pages 1 and 2
        {"start": doc.chunks[0].start, "end": doc.chunks[0].end, "score": 0.3},
    ]
    out = annotate_evidence(data, doc.text, [(p.start, p.end) for p in doc.pages], evidence)

    assert hashlib.sha256(data).hexdigest() == before  # the caller's bytes are not touched
    marks = highlights(out)
    assert [(m.page, m.note.split(",")[0]) for m in marks] == [
        (1, "Evidence #1 of 3"),
        (1, "Evidence #2 of 3"),
        (1, "Evidence #3 of 3"),
        (2, "Evidence #2 of 3"),
    ]
    assert "score 1.2000" in marks[0].note and "score 0.6000" in marks[1].note
    assert all(m.author == "docqa" for m in marks)
    assert marks[0].opacity > marks[1].opacity > marks[2].opacity  # stronger = more opaque
    # The characters under the rectangles are the span's, page by page.
    assert same_text(span_text_under(out, marks[0].rects), "28.50 GBP per hour")
    crossing_rects = marks[1].rects + marks[3].rects
    assert same_text(span_text_under(out, crossing_rects), crossing.text)
    assert same_text(span_text_under(out, marks[2].rects), doc.chunks[0].text)
    # Only annotations were added: the pages' text is the original's.
    original = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert [p.extract_text() for p in PdfReader(io.BytesIO(out)).pages] == original


def test_no_evidence_gives_the_pdf_without_highlights() -> None:
    data = EXAMPLE.read_bytes()
    doc = load_document(EXAMPLE)
    out = annotate_evidence(data, doc.text, [(p.start, p.end) for p in doc.pages], [])
    assert highlights(out) == [] and len(PdfReader(io.BytesIO(out)).pages) == len(doc.pages)
