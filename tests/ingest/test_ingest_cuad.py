"""Real contract PDFs from CUAD (../shared/data/cuad): a few here, all 29 in the benchmark."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.ingest_quality import QA_FILE, cuad_answers, fold_alnum, run
from ingest import Document, load_document

ALLIED = (
    "AlliedEsportsEntertainmentInc_20190815_8-K_EX-10.34_11788308_EX-10.34_Sponsorship Agreement"
)
# A 1997 EDGAR text filing re-typeset as PDF: monospaced, page numbers in mid-page.
GULF = "GULFSOUTHMEDICALSUPPLYINC_12_24_1997-EX-4-AFFILIATE AGREEMENT"
IMAGEWARE = "IMAGEWARESYSTEMSINC_12_20_1999-EX-10.22-MAINTENANCE AGREEMENT"
SAMPLES = {ALLIED: ".pdf", GULF: ".PDF", IMAGEWARE: ".PDF"}


@pytest.fixture(scope="module", params=list(SAMPLES))
def cuad_doc(request: pytest.FixtureRequest, cuad_dir: Path) -> Document:
    return load_document(cuad_dir / "pdf" / (request.param + SAMPLES[request.param]))


def test_offsets_pages_and_chunks_are_consistent(cuad_doc: Document) -> None:
    doc = cuad_doc
    assert 30 <= len(doc.chunks) <= 50
    previous_end = 0
    for i, chunk in enumerate(doc.chunks):
        assert chunk.index == i
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.start >= previous_end and chunk.text == chunk.text.strip()
        assert chunk.page == doc.page_at(chunk.start)
        previous_end = chunk.end
        for s, e in doc.sentences(chunk) + doc.words(chunk):
            assert chunk.start <= s < e <= chunk.end
    starts = [p.start for p in doc.pages]
    assert starts == sorted(starts) and [p.number for p in doc.pages] == list(
        range(1, len(doc.pages) + 1)
    )
    assert all(p.start <= p.end <= len(doc.text) for p in doc.pages)
    # Paragraphs, not lines: no single line breaks, blank lines between paragraphs.
    assert "\n" not in doc.text.replace("\n\n", "")
    assert "\n\n\n" not in doc.text


def test_cuad_answer_clauses_are_found(cuad_doc: Document, cuad_dir: Path) -> None:
    answers = cuad_answers(cuad_dir / QA_FILE)[Path(cuad_doc.name).name]
    clauses = [a for a in answers if len(a.split()) >= 5]
    folded = fold_alnum(cuad_doc.text)
    found = [a for a in clauses if fold_alnum(a) in folded]
    assert clauses and len(found) / len(clauses) >= 0.8, set(clauses) - set(found)


def test_allied_footer_removed_and_pages_exact(cuad_dir: Path) -> None:
    doc = load_document(cuad_dir / "pdf" / (ALLIED + ".pdf"))
    assert "Source: ALLIED ESPORTS" not in doc.text
    assert len(doc.pages) == 10
    page2 = doc.text[doc.pages[1].start : doc.pages[1].end]
    assert page2.startswith("2.6 “Sponsorship Benefits” means the benefits Newegg will provide")
    # The clause runs on from page 1: page 1 ends inside its paragraph.
    assert doc.text[doc.pages[0].end : doc.pages[1].start] == "\n\n"
    assert (
        "“Sponsorship Benefits” means the benefits Newegg will provide Allied, including "
        "the license granted in Section 6.1 and the fee stated in Schedule 3." in doc.text
    )


def test_mid_page_page_numbers_of_typeset_text_filings_removed(cuad_dir: Path) -> None:
    doc = load_document(cuad_dir / "pdf" / (IMAGEWARE + ".PDF"))
    assert not re.search(r"(^|\n)Page \d+(\n|$)", doc.text)
    gulf = load_document(cuad_dir / "pdf" / (GULF + ".PDF"))
    assert not re.search(r"(^|\n)- \d+ -(\n|$)", gulf.text)
    # The underlines of its headings ("-----") are decoration, not text.
    assert "-----" not in gulf.text
    assert "4. Restrictions on Transfer. The undersigned understands and agrees" in gulf.text


def test_quality_benchmark_runs_on_a_slice(cuad_dir: Path) -> None:
    result = run(cuad_dir.parent, limit=2)
    assert result["documents"] == 2 and result["pages"] > 0
    assert result["clause_found_share_alnum"] >= 0.9
    assert 0.0 <= result["clause_found_share"] <= result["clause_found_share_alnum"]
    assert result["ms_per_page"] > 0
    assert {"file", "pages", "ngram_recall"} <= set(result["per_document"][0])
