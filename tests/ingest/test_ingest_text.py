"""Plain text and Markdown ingestion."""

from __future__ import annotations

import hashlib

from ingest import load_bytes, load_document


def test_markdown_is_kept_as_text_with_newlines_normalised() -> None:
    raw = b"# Lease\r\n\r\n## 1. Rent\r\nThe rent is **900 EUR** a month.\r\n\r\n- item one\r\n"
    doc = load_bytes(raw, "lease.md")
    assert doc.text == "# Lease\n\n## 1. Rent\nThe rent is **900 EUR** a month.\n\n- item one"
    assert doc.kind == "md"
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert [c.text for c in doc.chunks] == [
        "# Lease\n\n## 1. Rent\nThe rent is **900 EUR** a month.",  # heading with its text
        "- item one",
    ]
    assert doc.warnings == []


def test_utf8_with_bom_and_non_ascii() -> None:
    doc = load_bytes("\ufeffZahlung: 5 € pro Stunde – fällig.".encode(), "de.txt")
    assert doc.text == "Zahlung: 5 € pro Stunde – fällig."
    assert doc.warnings == []


def test_latin1_fallback_is_reported() -> None:
    doc = load_bytes("Café prices in £.".encode("latin-1"), "menu.txt")
    assert doc.text == "Café prices in £."
    assert doc.warnings and "not valid UTF-8" in doc.warnings[0]


def test_form_feeds_make_pages() -> None:
    doc = load_bytes(b"Page one text.\n\x0cPage two text.\n\x0c\x0cPage four.", "pages.txt")
    assert doc.text == "Page one text.\n\nPage two text.\n\nPage four."
    assert [(p.number, doc.text[p.start : p.end]) for p in doc.pages] == [
        (1, "Page one text."),
        (2, "Page two text."),
        (3, ""),
        (4, "Page four."),
    ]
    assert doc.page_at(doc.text.index("four")) == 4
    assert [c.page for c in doc.chunks] == [1, 2, 4]


def test_blank_pages_add_no_text() -> None:
    doc = load_bytes(b"  \n\x0cText here.\x0c\x0cMore.", "blank-first.txt")
    assert doc.text == "Text here.\n\nMore."
    assert [(p.start, p.end) for p in doc.pages] == [(0, 0), (0, 10), (10, 10), (12, 17)]
    assert [c.page for c in doc.chunks] == [2, 4]


def test_example_text_contract_round_trips(tmp_path) -> None:
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "examples" / "employment_contract.txt"
    doc = load_document(source)
    assert doc.text == source.read_text(encoding="utf-8").strip()
    assert len(doc.pages) == 1
    assert doc.to_dict()["document"] == {
        "name": "employment_contract.txt",
        "pages": 1,
        "chars": len(doc.text),
        "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
    }
