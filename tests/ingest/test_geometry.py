"""Cleaned-text offsets map back to the PDF's characters: the text under each span's
rectangles, read back by PDFium, is the span's text."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from ingest import load_document
from ingest.geometry import TextGeometry, same_text, span_text_under

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "employment_contract.pdf"
CUAD = ROOT.parent / "shared" / "data" / "cuad" / "pdf"


def _geometry(path: Path) -> tuple[bytes, object, TextGeometry]:
    data = path.read_bytes()
    doc = load_document(path)
    return data, doc, TextGeometry(data, doc.text, [(p.start, p.end) for p in doc.pages])


def test_example_chunks_read_back_under_their_rectangles() -> None:
    data, doc, geo = _geometry(EXAMPLE)
    assert geo.matched_share == 1.0
    header = "Employment Agreement - Jane Doe"  # removed running header: never highlighted
    for chunk in doc.chunks:
        rects = geo.rects(chunk.start, chunk.end)
        assert rects and rects[0].page == doc.page_at(chunk.start)
        under = span_text_under(data, rects)
        assert same_text(under, chunk.text)
        assert header not in under


@pytest.mark.skipif(not CUAD.is_dir(), reason="needs ../shared/data/cuad")
def test_cuad_page_break_and_furniture() -> None:
    # 39 pages with headers, footers and paragraphs running over page breaks.
    path = next(CUAD.glob("BABCOCK_WILCOX*"))
    data, doc, geo = _geometry(path)
    assert geo.matched_share > 0.99
    ok = sum(
        same_text(span_text_under(data, geo.rects(c.start, c.end)), c.text) for c in doc.chunks
    )
    assert ok == len(doc.chunks)


def test_the_read_back_check_can_fail() -> None:
    # Without the alignment, offsets after the removed header drift off their words, and the
    # read-back sees it; a span shifted by one word does not read as the span either.
    data, doc, _ = _geometry(EXAMPLE)
    plain = TextGeometry(data, doc.text, [(p.start, p.end) for p in doc.pages], align=False)
    last = doc.chunks[-1]
    assert not same_text(span_text_under(data, plain.rects(last.start, last.end)), last.text)
    assert not same_text("the employee is paid", "employee is paid 28.50")


def test_page_size_is_the_visible_box_even_when_inherited() -> None:
    # fpdf2 and many producers put /MediaBox on the page tree, not on each page: the overlay
    # must use that A4 box (pypdf's reading of it here), not a US Letter default.
    reader = PdfReader(EXAMPLE)
    _, _, geo = _geometry(EXAMPLE)
    for page, theirs in zip(geo.pages, reader.pages, strict=True):
        assert (round(page.width, 1), round(page.height, 1)) == (
            round(float(theirs.cropbox.width), 1),
            round(float(theirs.cropbox.height), 1),
        )
