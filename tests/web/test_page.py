"""The web page in a real browser: upload, ask, see the evidence highlighted; escaping."""

from __future__ import annotations

import csv
import io

import httpx
import pypdfium2 as pdfium
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.web.conftest import ARTIFACTS, make_pdf


def _open(page, server, key: str | None = None) -> None:
    page.goto(server.url + "/")
    page.fill("#api-key", key or server.key)
    page.click("#save-key")


def _upload(page, path_or_file) -> None:
    page.set_input_files("#file-input", path_or_file)
    page.click("#upload-button")
    # Ingestion finished when the page count shows. (Locator waits, not wait_for_function:
    # the page's CSP forbids the eval that a string predicate needs.)
    expect(page.locator("#doc-status")).to_contain_text("page(s)", timeout=60_000)


HOSTILE = [
    "SUPPLY AGREEMENT",
    '1. Notes. <script>window.__xss = 1</script> and <img src=x onerror="window.__xss=2"> '
    'are text in this contract, as is <b>bold</b> & "quoted".',
    "2. Price. The Buyer pays 10 EUR per unit.",
]


def test_document_text_and_names_are_shown_escaped(page, live_server, tmp_path):
    pdf = make_pdf(tmp_path / "hostile.pdf", HOSTILE)
    name = "<img src=x onerror=window.__xss=3>.pdf"
    _open(page, live_server)
    _upload(page, {"name": name, "mimeType": "application/pdf", "buffer": pdf.read_bytes()})
    text = page.text_content("#pages")
    assert "<script>window.__xss = 1</script>" in text
    assert '<img src=x onerror="window.__xss=2">' in text
    assert "<b>bold</b>" in text
    assert page.text_content("#doc-title") == name
    # Nothing from the document became an element, and nothing ran.
    assert page.locator("#pages script, #pages img, #pages b").count() == 0
    assert page.locator("#doc-title *, #documents-list img").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.js_errors == []


def test_audits_are_listed_with_their_progress_and_reports(page, live_server):
    response = httpx.post(
        live_server.url + "/v1/audits",
        json={"items": [{"document": "missing.pdf", "question": "Who pays?"}], "name": "q3"},
        headers={"Authorization": f"Bearer {live_server.key}"},
    )
    assert response.status_code == 202
    _open(page, live_server)
    item = page.locator("#audits-list li").first
    item.wait_for()
    assert "q3" in item.text_content() and "0 done, 1 failed of 1" in item.text_content()
    with page.expect_download() as download:
        item.get_by_text("CSV report").click()
    report = download.value.path().read_text()
    assert next(csv.reader(io.StringIO(report.splitlines()[1])))[:3] == [
        "0",
        "missing.pdf",
        "Who pays?",
    ]
    # Another tenant's key sees none of it (once its list answer has arrived).
    other = f"Bearer {live_server.other_key}"

    def other_tenants_list(r) -> bool:
        return "/v1/audits?" in r.url and r.request.headers.get("authorization") == other

    with page.expect_response(other_tenants_list) as answer:
        _open(page, live_server, live_server.other_key)
    assert answer.value.json()["count"] == 0
    expect(page.locator("#audits-list li")).to_have_count(0)


SHORT_CONTRACT = [
    "EMPLOYMENT AGREEMENT",
    "1. Position. The Employer employs the Employee as a Data Analyst in Leeds.",
    "2. Pay. The Employee is paid 28.50 GBP per hour worked. Overtime is paid at 1.5 times "
    "the hourly rate.",
    "3. Holidays. The Employee is entitled to 25 days of paid holiday per year.",
    "4. Governing Law. This Agreement is governed by the laws of England and Wales.",
]


# Markup in a PDF's text: shown as text in the text view, never run; the page view is an image.
NOTE = "5. Notes. <script>window.__xss = 1</script> is text in this contract."


def _fraction_on_page(pdf_path, needle: str) -> tuple[float, float]:
    """Centre of ``needle`` on page 1, as fractions of the page from the top left: the glyphs'
    boxes from PDFium, the page's box from pypdf (not the code under test)."""
    left, bottom, right, top = (float(v) for v in PdfReader(str(pdf_path)).pages[0].cropbox)
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[0]
        textpage = page.get_textpage()
        index, count = textpage.search(needle).get_next()
        boxes = [textpage.get_charbox(i) for i in range(index, index + count)]
        x = (sum((b[0] + b[2]) / 2 for b in boxes) / count - left) / (right - left)
        y = (top - sum((b[1] + b[3]) / 2 for b in boxes) / count) / (top - bottom)
        return x, y
    finally:
        pdf.close()


@pytest.mark.slow
def test_question_highlights_the_pay_clause(page, live_server_model, tmp_path):
    """Upload a real PDF, ask, wait for the highlight: the strongest evidence is the pay
    clause, in the text view and drawn over the real page beside it. The screenshot is kept
    in artifacts/ (CI keeps that folder)."""
    server = live_server_model
    pdf = make_pdf(tmp_path / "employment_agreement.pdf", [*SHORT_CONTRACT, NOTE])
    csp = httpx.get(server.url + "/").headers["content-security-policy"]
    assert "script-src 'self';" in csp and "img-src 'self' blob:;" in csp
    assert "http" not in csp and "unsafe" not in csp  # no other host, no inline script
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _open(page, server)
    _upload(page, pdf)
    assert "28.50 GBP per hour" in page.text_content("#pages")

    page.fill("#question-input", "What is the pay per hour?")
    page.fill("#answer-input", "28.50 GBP per hour")
    page.click("#ask-button")
    expect(page.locator("#question-status")).to_have_text("Done.", timeout=300_000)

    top = " ".join(page.locator('#pages mark[data-rank="1"]').all_text_contents())
    assert top.startswith("2. Pay. The Employee is paid 28.50 GBP per hour worked.")
    scores = page.eval_on_selector_all("#pages mark", "marks => marks.map(m => m.dataset.score)")
    top_score = page.get_attribute('#pages mark[data-rank="1"]', "data-score")
    assert float(top_score) == max(float(s) for s in scores)
    assert page.text_content("#answer") == "28.50 GBP per hour"
    # The verdict badge: its word, its confidence, and a colour class for each verdict.
    badge = page.text_content("#supported")
    assert badge.split(" · ")[0] in ("supported by the document", "not in the document"), badge
    assert " · confidence 0." in badge
    classes = page.get_attribute("#supported", "class").split()
    assert "verdict" in classes and ({"supported", "not_in_document"} & set(classes))
    assert page.locator("#evidence-list li").first.text_content().endswith(top)
    expect(page.locator("#questions-list")).to_contain_text("What is the pay per hour?")

    # The page view: the PDF page as an image, the top evidence drawn over "28.50".
    expect(page.locator("#page-label")).to_have_text("Page 1 of 1", timeout=60_000)
    image = page.locator("#page-image")
    assert image.evaluate("i => i.decode().then(() => i.naturalWidth)") >= 200
    boxes = page.locator('#page-canvas .hl[data-rank="1"]')
    expect(boxes.first).to_be_visible()
    assert boxes.first.get_attribute("data-score") == top_score
    fx, fy = _fraction_on_page(pdf, "28.50")
    shown = image.bounding_box()
    x, y = shown["x"] + fx * shown["width"], shown["y"] + fy * shown["height"]
    rects = [b.bounding_box() for b in boxes.all()]
    assert any(
        r["x"] <= x <= r["x"] + r["width"] and r["y"] <= y <= r["y"] + r["height"] for r in rects
    ), (x, y, rects)
    # Markup in the PDF stayed text, ran nowhere; every image and request is this origin's.
    assert "<script>window.__xss = 1</script>" in page.text_content("#pages")
    assert page.locator("#pages script, #page-view script").count() == 0
    assert page.evaluate("window.__xss") is None
    sources = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.src)")
    assert sources and all(s.startswith(f"blob:{server.url}/") for s in sources), sources
    assert all(u.startswith((server.url, f"blob:{server.url}/")) for u in requests), requests

    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "web_evidence_highlight.png"), full_page=True)
    page.locator("#page-canvas").screenshot(path=str(ARTIFACTS / "web_pdf_page_highlight.png"))
    assert page.js_errors == []
