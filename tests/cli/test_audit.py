"""`docqa audit`: items CSV in, report out; failed items recorded, never fatal."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli import audit as audit_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _app() -> typer.Typer:
    # The command alone, as main.py registers it (main also pulls in the engine commands).
    app = typer.Typer()
    app.command("audit")(audit_cli.audit)
    app.command("unused")(lambda: None)  # two commands keep typer's sub-command parsing
    return app


def _run(*args: str):
    return CliRunner().invoke(_app(), ["audit", *args], catch_exceptions=False)


@pytest.fixture
def no_model(monkeypatch):
    """Fail the test if the audit tries to load the model when no document loaded."""

    def refuse(model):
        raise AssertionError("the model must not load when no document could be read")

    monkeypatch.setattr(audit_cli, "_explainer", refuse)


def test_failed_items_are_recorded_and_the_audit_finishes(tmp_path, no_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is no pdf at all")
    (tmp_path / "secret.txt").write_text("outside the documents folder")
    items = tmp_path / "items.csv"
    items.write_text(
        "document,question,answer\n"
        "missing.pdf,Who pays?,The client\n"
        "broken.pdf,Which law governs?,\n"
        "../secret.txt,What is secret?,\n"
    )
    out = tmp_path / "report.csv"
    result = _run(str(items), "--documents", str(docs), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["status"] for r in rows] == ["failed"] * 3
    assert "missing.pdf" in rows[0]["error"] and "not found" in rows[0]["error"]
    assert rows[1]["error"]  # the PDF reader's own message
    assert "not inside" in rows[2]["error"]
    assert "0 explained" in result.output and "3 failed" in result.output


def test_json_report_states_code_version(tmp_path, no_model):
    items = tmp_path / "items.csv"
    items.write_text("document,question\nnone.pdf,Who pays?\n")
    out = tmp_path / "nested" / "audit.json"
    result = _run(str(items), "--documents", str(tmp_path), "--out", str(out))
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["status"] == "done"
    assert report["progress"] == {"total": 1, "done": 0, "failed": 1}
    assert report["code_version"]["docqa"]
    assert report["items"][0]["answer"] is None  # no answer column: the model answers


def test_an_interrupted_audit_still_writes_what_finished(tmp_path, monkeypatch):
    def interrupted(model):
        raise KeyboardInterrupt  # Ctrl-C (or SIGTERM) while the model loads

    monkeypatch.setattr(audit_cli, "_explainer", interrupted)
    (tmp_path / "contract.txt").write_text("1. Fees. The Client pays 40 EUR per hour.\n")
    items = tmp_path / "items.csv"
    items.write_text("document,question\nmissing.pdf,Who pays?\ncontract.txt,What fee?\n")
    out = tmp_path / "audit.json"
    result = _run(str(items), "--documents", str(tmp_path), "--out", str(out))
    assert result.exit_code == 130
    report = json.loads(out.read_text())
    assert report["status"] == "interrupted"
    assert [i["status"] for i in report["items"]] == ["failed", "queued"]


def test_unknown_report_extension_is_refused_before_any_work(tmp_path, no_model):
    items = tmp_path / "items.csv"
    items.write_text("document,question\na.pdf,q\n")
    result = _run(str(items), "--documents", str(tmp_path), "--out", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 2
    assert "r.xlsx" in result.output and ".html" in result.output


def test_unknown_granularity_is_refused_before_any_work(tmp_path, no_model):
    items = tmp_path / "items.csv"
    items.write_text("document,question\na.pdf,q\n")
    out = str(tmp_path / "r.csv")
    result = _run(str(items), "-d", str(tmp_path), "-o", out, "--granularity", "page")
    assert result.exit_code == 2 and "paragraph, sentence" in result.output
    assert not (tmp_path / "r.csv").exists()


def test_items_without_question_column_are_refused(tmp_path, no_model):
    items = tmp_path / "items.csv"
    items.write_text("document,answer\na.pdf,x\n")
    result = _run(str(items), "--documents", str(tmp_path), "--out", str(tmp_path / "r.html"))
    assert result.exit_code == 2
    assert "question" in result.output


def test_example_cuad_audit_is_well_formed():
    from core.audit import parse_items_csv

    text = (EXAMPLES / "cuad_audit.csv").read_text(encoding="utf-8")
    items = parse_items_csv(text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert 12 <= len(items) <= 20
    assert {r["expected"] for r in rows} == {"correct", "wrong", "not in contract"}
    assert len({i.document for i in items}) in (3, 4)
    assert any(i.answer is None for i in items)  # some questions let the model answer
    cuad_pdf = EXAMPLES.parent.parent / "shared" / "data" / "cuad" / "pdf"
    if cuad_pdf.is_dir():  # the shared data sits beside the checkout here and in CI
        assert all((cuad_pdf / i.document).is_file() for i in items)


SHORT_CONTRACT = """SERVICE AGREEMENT

1. Services. The Supplier maintains the Client's accounting software on working days.

2. Fees. The Client pays the Supplier 95 EUR per hour of support, invoiced monthly.

3. Term. This Agreement runs for two years from 1 May 2026.

4. Governing Law. This Agreement is governed by the laws of Ireland.
"""


@pytest.fixture(scope="module")
def audit_explainer(request):
    """The suite's shared model (tests/conftest.py), or one loaded for this module."""
    try:
        return request.getfixturevalue("explainer")
    except pytest.FixtureLookupError:
        from explain_engine import Explainer

        return Explainer()


@pytest.mark.slow
def test_audit_with_the_model_writes_a_highlighted_report(tmp_path, monkeypatch, audit_explainer):
    from tests.core.reports.htmlparse import Page

    monkeypatch.setattr(audit_cli, "_explainer", lambda model: audit_explainer)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "service.txt").write_text(SHORT_CONTRACT)
    items = tmp_path / "items.csv"
    items.write_text(
        "document,question,answer\n"
        "service.txt,What is the hourly fee?,95 EUR per hour\n"
        "gone.pdf,What is the hourly fee?,\n"
    )
    out = tmp_path / "report.html"
    result = _run(str(items), "--documents", str(docs), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "1 explained" in result.output and "1 failed" in result.output
    page = Page(out.read_text())
    strongest = max(page.find("mark"), key=lambda m: m.alpha)
    assert "95 EUR per hour" in strongest.text  # the fees clause lights up most
    text = page.elements[0].text
    assert "gone.pdf" in text and "not found" in text
    assert "SmolLM2" in text  # the bundled model, named in the report
    assert "log_additive" in text and "commit" in text  # method and code version stated
