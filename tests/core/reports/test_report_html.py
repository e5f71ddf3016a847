from __future__ import annotations

import copy

from core.reports.html import render_audit, render_explanation
from tests.core.reports.htmlparse import Page


def test_explanation_page_marks_the_evidence_and_shows_the_whole_document(result, contract):
    page = Page(render_explanation(result, contract))
    marks = page.find("mark")
    # The strongest evidence span is the governing-law clause, marked strongest.
    strongest = max(marks, key=lambda m: m.alpha)
    assert strongest.text == "governed by the laws of Ireland"
    assert {m.text for m in marks} >= {"governed by the laws of Ireland"}
    doc = page.find("div", **{"class": "doc"})[0]
    assert doc.text == contract  # highlighting changes no character of the document


def test_highlight_strength_follows_the_score(result, contract):
    page = Page(render_explanation(result, contract))
    shaded = {u.text: u.alpha for u in page.find("span", **{"class": "u"})}
    # Unit 3 (score 0.80) outside its evidence span is shaded more than the title (0.01);
    # unit 1 has a negative score and is not shaded at all.
    assert shaded["3. Governing Law. This Agreement is "] > shaded["SERVICE AGREEMENT"]
    assert not any("40 EUR" in text for text in shaded)


def test_document_text_is_escaped(result, contract):
    html = render_explanation(result, contract)
    page = Page(html)
    assert page.find("script") == []
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    # The question and evidence text are escaped too.
    hostile = copy.deepcopy(result)
    hostile["question"] = "<img src=x onerror=alert(1)>?"
    hostile["document"]["name"] = "<b>x</b>.pdf"
    html = render_explanation(hostile, contract)
    assert Page(html).find("img") == [] and Page(html).find("b") == []


def test_page_loads_nothing_from_outside(result, contract):
    html = render_explanation(result, contract)
    page = Page(html)
    assert page.find("script") == [] and page.find("link") == [] and page.find("img") == []
    assert "http://" not in html and "https://" not in html
    assert "default-src 'none'" in html


def test_unsupported_answer_is_shown_grey(result, contract):
    unsupported = dict(result, supported=False)
    page = Page(render_explanation(unsupported, contract))
    assert page.find("span", **{"class": "unsupported"})
    assert all("rgba(140,140,140" in m.attrs["style"] for m in page.find("mark"))


def _audit(result: dict) -> dict:
    failed = {
        "index": 1,
        "document": "missing.pdf",
        "question": "Who pays?",
        "answer": None,
        "status": "failed",
        "error": "document not found: missing.pdf",
        "result": None,
    }
    ok = {
        "index": 0,
        "document": "service.pdf",
        "question": result["question"],
        "answer": "Irish law",
        "status": "done",
        "error": None,
        "result": result,
    }
    return {
        "id": "a1",
        "created_at": "2026-11-25T18:00:00+00:00",
        "status": "done",
        "model": result["model"],
        "method": result["method"],
        "code_version": {"docqa": "0.1.0", "git_commit": "abc123"},
        "progress": {"total": 2, "done": 1, "failed": 1},
        "items": [ok, failed],
    }


def test_audit_report_shows_excerpt_with_evidence_and_failed_items(result, contract):
    html = render_audit(_audit(result), {"service.pdf": contract})
    page = Page(html)
    cards = page.find("div", **{"class": "card"})
    item0 = next(c for c in cards if c.attrs.get("id") == "item-0")
    assert "Irish law" in item0.text and "supported" in item0.text
    excerpt = page.find("div", **{"class": "doc"})
    assert len(excerpt) == 1
    assert "governed by the laws of Ireland" in [m.text for m in page.find("mark")]
    item1 = next(c for c in cards if c.attrs.get("id") == "item-1")
    assert "document not found: missing.pdf" in item1.text
    assert "abc123" in html and "log_additive" in html
    assert page.find("script") == []
    assert "&lt;script&gt;" in html


def test_audit_excerpt_is_cut_from_a_long_document(result, contract):
    filler = "Lorem ipsum dolor sit amet. " * 200
    long_text = filler + "\n\n" + contract + "\n\n" + filler
    shift = len(filler) + 2
    moved = copy.deepcopy(result)
    for span in moved["units"] + moved["evidence"]:
        span["start"] += shift
        span["end"] += shift
    page = Page(render_audit(_audit(moved), {"service.pdf": long_text}))
    excerpt = page.find("div", **{"class": "doc"})[0].text
    assert "governed by the laws of Ireland" in excerpt
    assert len(excerpt) < 1500  # an excerpt, not the 11 kB document
    assert "[…]" in excerpt
