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
    # A result stored before the three-way verdict: only "supported".
    unsupported = dict(result, supported=False)
    page = Page(render_explanation(unsupported, contract))
    badge = page.find("span", **{"class": "not_supported"})
    assert badge and badge[0].text == "not supported"
    assert all("rgba(140,140,140" in m.attrs["style"] for m in page.find("mark"))


def _with_verdict(result: dict, label: str) -> dict:
    probs = {"supported": 0.1, "contradicted": 0.2, "not_in_document": 0.1} | {label: 0.7}
    clause = result["evidence"][0]
    verdict = {
        "label": label,
        "confidence": 0.7,
        "probabilities": probs,
        "features": {},
        "calibration": "bundled (test)",
        "evidence": [dict(clause, score=0.33)],
        "forward_passes": 9,
        "seconds": 1.0,
    }
    return dict(result, verdict=verdict, supported=label == "supported")


def test_contradicted_answer_shows_its_verdict_probabilities_and_evidence(result, contract):
    page = Page(render_explanation(_with_verdict(result, "contradicted"), contract))
    badge = page.find("span", **{"class": "contradicted"})
    assert badge and badge[0].text == "contradicted"
    text = " ".join(page.find("main")[0].text.split())
    assert "confidence 0.70" in text and "not in the document 0.10" in text
    assert "What the verdict rests on" in text and "0.3300" in text


def test_audit_counts_each_verdict(result, contract):
    audit = _audit(_with_verdict(result, "not_in_document"))
    extra = copy.deepcopy(audit["items"][0])
    extra["index"] = 2
    extra["result"] = _with_verdict(result, "contradicted")
    audit["items"].append(extra)
    page = Page(render_audit(audit, {"service.pdf": contract}))
    text = " ".join(page.find("main")[0].text.split())
    assert "0 supported · 1 contradicted · 1 not in the document · 1 failed" in text


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
