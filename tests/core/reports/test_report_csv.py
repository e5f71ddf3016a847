from __future__ import annotations

import csv
import io

from core.reports.csv import render_audit_csv
from explain_engine.verdict import VERDICTS
from tests.core.reports.test_report_html import _audit, _with_verdict


def test_csv_has_one_row_per_item_with_top_evidence(result):
    rows = list(csv.DictReader(io.StringIO(render_audit_csv(_audit(result)))))
    assert [r["index"] for r in rows] == ["0", "1"]
    ok, failed = rows
    assert ok["supported"] == "yes" and ok["answer"] == "Irish law"
    assert ok["evidence_1_text"] == "governed by the laws of Ireland"
    assert ok["evidence_1_page"] == "2" and float(ok["evidence_1_score"]) == 0.8
    assert ok["evidence_2_text"].startswith("2. Notes. <script>")  # CSV keeps text verbatim
    assert ok["evidence_3_text"] == ""
    assert ok["code_version"] == "0.1.0+abc123" and "log_additive" in ok["method"]
    assert failed["status"] == "failed" and failed["supported"] == ""
    assert failed["error"] == "document not found: missing.pdf"


def test_csv_has_the_verdict_and_one_column_per_class_probability(result):
    audit = _audit(_with_verdict(result, "contradicted"))
    ok, failed = list(csv.DictReader(io.StringIO(render_audit_csv(audit))))
    assert ok["verdict"] == "contradicted" and ok["supported"] == "no"
    assert float(ok["verdict_confidence"]) == 0.7
    assert [float(ok[f"p_{v}"]) for v in VERDICTS] == [0.1, 0.7, 0.1]
    assert failed["verdict"] == "" and failed["p_supported"] == ""


def test_csv_defuses_spreadsheet_formulas(result):
    audit = _audit(result)
    audit["items"][0]["question"] = '=HYPERLINK("http://x")'
    rows = list(csv.DictReader(io.StringIO(render_audit_csv(audit))))
    assert rows[0]["question"] == '\'=HYPERLINK("http://x")'


def test_csv_quotes_every_field_and_defuses_a_formula_after_a_bare_cr(result):
    # Before: this answer came back unquoted, and a spreadsheet that ends rows at a CR
    # read "=cmd|' /C calc'!A0" as a formula cell.
    audit = _audit(result)
    audit["items"][0]["answer"] = "Acme Ltd\r=cmd|' /C calc'!A0"
    audit["items"][0]["result"]["answer"] = "\t+1+1"
    audit["items"][1]["error"] = "@SUM(A1)\r\n-2+3"
    text = render_audit_csv(audit)
    assert "\r" not in text
    for line in text.splitlines():  # whatever a program takes for a line or a cell
        for cell in line.split('","'):
            assert not cell.strip('"').startswith(("=", "+", "-", "@", "\t")), line
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["given_answer"] == "Acme Ltd\n'=cmd|' /C calc'!A0"
    assert rows[0]["answer"] == "'\t+1+1"
    assert rows[1]["error"] == "'@SUM(A1)\n'-2+3"
    assert float(rows[0]["evidence_1_score"]) == 0.8  # numbers stay numbers
    header = text.split("\n", 1)[0]
    assert header.startswith('"index","document"')
