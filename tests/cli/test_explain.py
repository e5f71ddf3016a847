"""`docqa explain` as a user runs it: a real process, the bundled model, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ingest.geometry import same_text, span_text_under
from tests.conftest import EXAMPLE_PDF, EXAMPLE_TXT
from tests.core.reports.pdfannots import highlights

DESIGN_KEYS = {
    "document",
    "question",
    "answer",
    "answer_source",
    "answer_trimmed",
    "model",
    "method",
    "units",
    "evidence",
    "supported",
    "grounded",
    "verdict",
    "cost",
    "context_budget",
}


def docqa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_explain_pdf_json_and_html(tmp_path, explainer):  # explainer: model cache is warm
    html, pdf = tmp_path / "evidence.html", tmp_path / "evidence.pdf"
    proc = docqa(
        "explain",
        str(EXAMPLE_PDF),
        "-q",
        "What is the pay per hour?",
        "-a",
        "28.50 GBP per hour",
        "--json",
        "--html",
        str(html),
        "--pdf",
        str(pdf),
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert DESIGN_KEYS <= set(result)
    assert result["answer_source"] == "given" and result["answer_trimmed"] is False
    assert result["context_budget"] == 2048  # on CPU
    assert result["method"] == {
        "name": "atman",
        "mode": "log_additive",
        "factor": 0.0,
        "kappa": None,
        "granularity": "paragraph",
        "scope": "full",
    }
    ingested = json.loads(docqa("ingest", str(EXAMPLE_PDF), "--json").stdout)
    text = ingested["text"]
    assert result["document"] == ingested["document"]
    top = result["evidence"][0]
    assert text[top["start"] : top["end"]] == top["text"]
    assert top["text"].startswith("5. Pay. The Employee is paid 28.50 GBP per hour")
    assert top["page"] == 1
    scores = [e["score"] for e in result["evidence"]]
    assert scores == sorted(scores, reverse=True)
    assert [(u["start"], u["end"]) for u in result["units"]] == [
        (c["start"], c["end"]) for c in ingested["chunks"]
    ]
    # The verdict checked the answer against the pay clause and says what it rests on.
    verdict = result["verdict"]
    assert result["supported"] is True and verdict["label"] == "supported"
    assert result["grounded"] is True
    assert sum(verdict["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
    assert any(e["text"].startswith("5. Pay.") for e in verdict["evidence"])
    assert all(text[e["start"] : e["end"]] == e["text"] for e in verdict["evidence"])
    passes = len(result["units"]) + 1 + verdict["forward_passes"]
    assert result["cost"]["forward_passes"] == passes
    page = html.read_text()
    assert "28.50 GBP per hour" in page and "<script src=" not in page
    # The annotated PDF: one highlight per evidence span (all on page 1 here), over its text.
    marks = highlights(pdf.read_bytes())
    assert [(m.page, m.note.split(",")[0]) for m in marks] == [
        (e["page"], f"Evidence #{i} of {len(result['evidence'])}")
        for i, e in enumerate(result["evidence"], 1)
    ]
    for mark, span in zip(marks, result["evidence"], strict=True):
        assert same_text(span_text_under(pdf.read_bytes(), mark.rects), span["text"])


def test_human_output_shows_answer_and_evidence(explainer):
    proc = docqa(
        "explain",
        str(EXAMPLE_TXT),
        "-q",
        "Where does the employee work?",
        "-a",
        "In Leeds",
        "--granularity",
        "sentence",
    )
    assert proc.returncode == 0, proc.stderr
    assert "A: In Leeds" in proc.stdout
    assert "#1 page 1" in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.pdf", "-q", "Q?"], "no such file: missing.pdf"),
        ([str(EXAMPLE_TXT), "-q", "   "], "the question is empty"),
        (
            [str(EXAMPLE_TXT), "-q", "Q?", "--model", "no-such-org/no-such-model"],
            "unknown model 'no-such-org/no-such-model'",
        ),
        (
            [str(EXAMPLE_TXT), "-q", "Q?", "--granularity", "chapter"],
            "granularity: 'chapter' is not one of paragraph, sentence, word or token",
        ),
        ([str(EXAMPLE_TXT), "-q", "Q?", "--mode", "nope"], "mode: 'nope' is not one of"),
        ([str(EXAMPLE_TXT), "-q", "Q?", "--factor", "3"], "factor: Input should be less than 1"),
        ([str(EXAMPLE_TXT), "-q", "Q?", "--scope", "rows"], "scope: 'rows' is not one of"),
        ([str(EXAMPLE_TXT), "-q", "Q?", "--verify-k", "0"], "verify_k: Input should be greater"),
        (
            [str(EXAMPLE_TXT), "-q", "Q?", "--pdf", "out.pdf"],
            "--pdf needs a PDF document; employment_contract.txt is a txt file",
        ),
    ],
)
def test_bad_input_is_one_clear_line(args, message):
    proc = docqa("explain", *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:") and message in lines[0]


def test_unsupported_file_type(tmp_path):
    doc = tmp_path / "contract.docx"
    doc.write_bytes(b"PK\x03\x04 not really a word file")
    proc = docqa("explain", str(doc), "-q", "Q?")
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:")
    assert ".docx" in proc.stderr and "not supported" in proc.stderr


def test_zoom_ranks_sentences_then_words_of_the_top_paragraph(explainer):
    from core.pipeline import explain_document
    from ingest import load_document

    document = load_document(EXAMPLE_TXT)
    result = explain_document(
        document,
        "What is the pay per hour?",
        explainer=explainer,
        answer="28.50 GBP per hour",
        zoom=True,
    )
    top = result["evidence"][0]
    sentences, words = result["zoom"]
    assert sentences["granularity"] == "sentence" and words["granularity"] == "word"
    assert sentences["parent"] == {"start": top["start"], "end": top["end"]}
    best_sentence = max(sentences["units"], key=lambda u: u["score"])
    text = document.text
    assert "28.50 GBP per hour" in text[best_sentence["start"] : best_sentence["end"]]
    assert all(
        best_sentence["start"] <= w["start"] < w["end"] <= best_sentence["end"]
        for w in words["units"]
    )
    n_units = len(result["units"]) + 1 + result["verdict"]["forward_passes"]
    assert (
        result["cost"]["forward_passes"]
        == n_units + sentences["forward_passes"] + words["forward_passes"]
    )


def test_two_stage_result_says_which_units_were_verified(explainer):
    from core.pipeline import explain_document
    from ingest import load_document

    document = load_document(EXAMPLE_TXT)
    result = explain_document(
        document,
        "What is the pay per hour?",
        explainer=explainer,
        answer="28.50 GBP per hour",
        scope="two_stage",
        verify_k=2,
    )
    assert result["method"]["granularity"] == "paragraph"  # the document's own chunks
    assert (result["method"]["scope"], result["method"]["verify_k"]) == ("two_stage", 2)
    verified = {u["index"] for u in result["units"] if u["verified"]}
    assert len(verified) == 2
    # Scores are rounded to 6 places, so an unverified unit may tie the lowest verified one.
    ranked = sorted(result["units"], key=lambda u: (-u["score"], not u["verified"]))
    assert {u["index"] for u in ranked[:2]} == verified
    assert "28.50 GBP per hour" in result["evidence"][0]["text"]
