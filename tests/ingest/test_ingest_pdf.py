"""PDF cleaning on small generated PDFs whose expected text is known exactly."""

from __future__ import annotations

import pytest
from fpdf import FPDF

from ingest import load_bytes
from ingest.segment import paragraph_spans
from tests.ingest.pdfs import DEJAVU, build_pdf

SERVICES_P1 = [
    "SERVICE AGREEMENT",
    "",
    "1. Services. The Supplier shall provide the maintenance services described in Schedule A",
    "to the Customer from the Effective Date until this Agreement ends under clause 4.",
    "",
    "2. Fees. The Customer shall pay the Supplier a monthly fee of 1,200 EUR within thirty",
    "days of receiving each invoice. Late payments carry interest at two percent above the",
]
SERVICES_P2 = [
    "base rate of the European Central Bank.",
    "",
    "3. Term. This Agreement starts on 1 May 2026 and runs for two years.",
]
SERVICES_TEXT = (
    "SERVICE AGREEMENT\n\n"
    "1. Services. The Supplier shall provide the maintenance services described in Schedule A "
    "to the Customer from the Effective Date until this Agreement ends under clause 4.\n\n"
    "2. Fees. The Customer shall pay the Supplier a monthly fee of 1,200 EUR within thirty "
    "days of receiving each invoice. Late payments carry interest at two percent above the "
    "base rate of the European Central Bank.\n\n"
    "3. Term. This Agreement starts on 1 May 2026 and runs for two years."
)


def test_multi_page_paragraphs_and_page_ranges() -> None:
    doc = load_bytes(build_pdf([SERVICES_P1, SERVICES_P2]), "services.pdf")

    assert doc.text == SERVICES_TEXT
    assert [p.number for p in doc.pages] == [1, 2]
    page2 = doc.text.index("base rate of the European")
    assert doc.pages[0].start == 0
    assert doc.pages[0].end == page2 - 1  # the joining space belongs to neither page's text
    assert (doc.pages[1].start, doc.pages[1].end) == (page2, len(doc.text))
    assert doc.page_at(0) == 1
    assert doc.page_at(page2 - 1) == 1
    assert doc.page_at(page2) == 2
    assert doc.page_at(len(doc.text) - 1) == 2
    # The paragraph that runs over the page break is one chunk starting on page 1; the
    # title goes with the first clause.
    assert [c.text[:8] for c in doc.chunks] == ["SERVICE ", "2. Fees.", "3. Term."]
    assert doc.chunks[0].text.endswith("ends under clause 4.")
    assert [c.page for c in doc.chunks] == [1, 1, 2]
    for chunk in doc.chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text


def test_running_header_and_page_number_footer_are_removed() -> None:
    data = build_pdf(
        [SERVICES_P1, SERVICES_P2, ["4. Notices. Notices are given in writing."]],
        header="ACME Services Ltd. - Service Agreement - Confidential",
        footer=True,
    )
    doc = load_bytes(data, "services.pdf")

    assert doc.text == SERVICES_TEXT + "\n\n4. Notices. Notices are given in writing."
    assert "Confidential" not in doc.text and "Page" not in doc.text
    assert len(doc.pages) == 3


def test_bare_page_numbers_are_removed() -> None:
    pages = [
        ["1. First clause of the agreement ends here.", "", "", "", "1"],
        ["2. Second clause of the agreement ends here.", "", "", "", "- 2 -"],
    ]
    doc = load_bytes(build_pdf(pages), "numbers.pdf")
    assert doc.text == (
        "1. First clause of the agreement ends here.\n\n"
        "2. Second clause of the agreement ends here."
    )


def test_hyphenated_line_breaks_are_joined() -> None:
    lines = [
        "The Supplier grants the Customer a non-exclusive licence to use the software and its do-",
        "cumentation for internal purposes only. For the avoidance of doubt the licence is non-",
        "exclusive and cannot be transferred to any third party without written consent.",
    ]
    doc = load_bytes(build_pdf([lines]), "licence.pdf")
    assert doc.text == (
        "The Supplier grants the Customer a non-exclusive licence to use the software and its "
        "documentation for internal purposes only. For the avoidance of doubt the licence is "
        "non-exclusive and cannot be transferred to any third party without written consent."
    )


def test_hyphenated_word_across_a_page_break() -> None:
    pages = [
        [
            "1. Payment. All invoices issued under this Agreement shall be paid by bank trans-",
        ],
        ["fer within thirty days of the invoice date."],
    ]
    doc = load_bytes(build_pdf(pages), "payment.pdf")
    assert doc.text == (
        "1. Payment. All invoices issued under this Agreement shall be paid by bank "
        "transfer within thirty days of the invoice date."
    )
    start = doc.text.index("fer within")
    assert doc.pages[1].start == start
    assert doc.pages[0].end == start  # the dropped hyphen took no character with it
    assert doc.page_at(start - 1) == 1


@pytest.mark.skipif(not DEJAVU.exists(), reason=f"needs the DejaVu font at {DEJAVU}")
def test_ligatures_are_normalised() -> None:
    lines = ["The \ufb01nal \ufb02oor plan is con\ufb01dential and of\ufb01cial."]
    doc = load_bytes(build_pdf([lines], font=DEJAVU), "ligatures.pdf")
    assert doc.text == "The final floor plan is confidential and official."


def test_two_columns_read_column_by_column() -> None:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 10)
    left = [
        "1. Scope. The Contractor shall deliver the",
        "goods listed in the order to the address",
        "given by the Buyer.",
        "",
        "2. Risk. Risk passes to the Buyer when the",
        "goods are handed over at the delivery",
    ]
    right = [
        "address and the Buyer signs the receipt.",
        "",
        "3. Title. Title passes on full payment.",
    ]
    for x, lines in ((15, left), (110, right)):
        pdf.set_xy(x, 25)
        for line in lines:
            if line:
                pdf.cell(85, 6, line, new_x="LEFT", new_y="NEXT")
            else:
                pdf.ln(6)
                pdf.set_x(x)
    doc = load_bytes(bytes(pdf.output()), "columns.pdf")
    assert [doc.text[s:e] for s, e in paragraph_spans(doc.text)] == [
        "1. Scope. The Contractor shall deliver the goods listed in the order to the address "
        "given by the Buyer.",
        "2. Risk. Risk passes to the Buyer when the goods are handed over at the delivery "
        "address and the Buyer signs the receipt.",
        "3. Title. Title passes on full payment.",
    ]


def test_sentences_and_words_stay_inside_their_chunk() -> None:
    doc = load_bytes(build_pdf([SERVICES_P1, SERVICES_P2]), "services.pdf")
    fees = next(c for c in doc.chunks if c.text.startswith("2. Fees."))
    sentences = [doc.text[s:e] for s, e in doc.sentences(fees)]
    assert sentences == [
        "2. Fees.",  # the clause heading keeps its number
        "The Customer shall pay the Supplier a monthly fee of 1,200 EUR within thirty "
        "days of receiving each invoice.",
        "Late payments carry interest at two percent above the base rate of the European "
        "Central Bank.",
    ]
    words = doc.words(fees)
    assert doc.text[words[0][0] : words[0][1]] == "2."
    assert doc.text[words[-1][0] : words[-1][1]] == "Bank."
    assert all(fees.start <= s < e <= fees.end for s, e in words)


def test_page_number_in_mid_page_does_not_split_the_paragraph() -> None:
    # Old EDGAR text filings re-typeset as PDF keep their original page numbers mid-page.
    lines = [
        "7. LIABILITY. IN NO EVENT SHALL EITHER PARTY BE LIABLE FOR INDIRECT DAMAGES,",
        "INCLUDING",
        "",
        "- 7 -",
        "",
        "LOST PROFITS, WHETHER BASED ON CONTRACT OR TORT.",
        "",
        "8. Notices. All notices shall be in writing.",
    ]
    doc = load_bytes(build_pdf([lines]), "edgar.pdf")
    assert doc.text == (
        "7. LIABILITY. IN NO EVENT SHALL EITHER PARTY BE LIABLE FOR INDIRECT DAMAGES, INCLUDING "
        "LOST PROFITS, WHETHER BASED ON CONTRACT OR TORT.\n\n"
        "8. Notices. All notices shall be in writing."
    )


def test_footnote_does_not_cut_the_sentence_running_over_the_page() -> None:
    body = [
        "1. Scope. The Supplier shall deliver all goods listed in the order (as defined) and",
        "all documents that belong to them, including the certificates of origin and the",
        "packing lists, free of charge to",
    ]
    note = "1 The order is the purchase order issued under the framework agreement."
    pages = [
        [*body, "", "", "", note],
        ["the address given by the Buyer within ten days.", "", "2. Price. The price is fixed."],
    ]
    doc = load_bytes(build_pdf(pages), "footnote.pdf")
    assert doc.text == (
        " ".join(body) + " the address given by the Buyer within ten days.\n\n"
        f"{note}\n\n2. Price. The price is fixed."
    )
    # The footnote is written after the paragraph it interrupted, on the page where that ends.
    assert doc.page_at(doc.text.index(note)) == 2
    assert doc.pages[1].start == doc.text.index("the address given")
