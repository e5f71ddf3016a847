from __future__ import annotations

import csv
import io

from core.reports.csv import render_audit_csv
from tests.core.reports.test_report_html import _audit


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


def test_csv_defuses_spreadsheet_formulas(result):
    audit = _audit(result)
    audit["items"][0]["question"] = '=HYPERLINK("http://x")'
    rows = list(csv.DictReader(io.StringIO(render_audit_csv(audit))))
    assert rows[0]["question"] == '\'=HYPERLINK("http://x")'
