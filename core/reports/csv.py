"""The audit report as CSV: one row per item, the top evidence spans flattened into columns."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from typing import Any

from core import verdicts
from explain_engine.verdict import VERDICTS

TOP_EVIDENCE = 3


def columns(top_evidence: int = TOP_EVIDENCE) -> list[str]:
    cols = [
        "index",
        "document",
        "question",
        "given_answer",
        "answer",
        "answer_source",
        "supported",
        "verdict",
        "verdict_confidence",
        *(f"p_{v}" for v in VERDICTS),
        "status",
        "error",
    ]
    for k in range(1, top_evidence + 1):
        cols += [f"evidence_{k}_page", f"evidence_{k}_score", f"evidence_{k}_text"]
    return cols + ["model", "method", "code_version"]


def render_audit_csv(audit: Mapping[str, Any], *, top_evidence: int = TOP_EVIDENCE) -> str:
    """CSV text of the audit (the JSON shape in ``core.audit``). Spreadsheet programs open it
    directly; model, method and code version repeat on each row so a row stands on its own."""
    buffer = io.StringIO()
    # Every field quoted, so no line end inside a cell can start a row of its own.
    writer = csv.DictWriter(
        buffer, fieldnames=columns(top_evidence), lineterminator="\n", quoting=csv.QUOTE_ALL
    )
    writer.writeheader()
    version = audit.get("code_version") or {}
    version_text = str(version.get("docqa", ""))
    if version.get("git_commit"):
        version_text += f"+{version['git_commit']}"
    for position, item in enumerate(audit.get("items", [])):
        result = item.get("result") or {}
        supported = result.get("supported")
        verdict = result.get("verdict") or {}
        probabilities = verdict.get("probabilities") or {}
        row: dict[str, Any] = {
            "index": item.get("index", position),
            "document": item.get("document", ""),
            "question": item.get("question", ""),
            "given_answer": item.get("answer") or "",
            "answer": result.get("answer", ""),
            "answer_source": result.get("answer_source", ""),
            "supported": "" if supported is None else ("yes" if supported else "no"),
            "verdict": verdicts.label_of(result) or "",
            "verdict_confidence": _number(verdict.get("confidence")),
            **{f"p_{v}": _number(probabilities.get(v)) for v in VERDICTS},
            "status": item.get("status", ""),
            "error": item.get("error") or "",
            "model": result.get("model") or audit.get("model") or "",
            "method": json.dumps(result.get("method") or audit.get("method") or {}, sort_keys=True),
            "code_version": version_text,
        }
        for k, span in enumerate(result.get("evidence", [])[:top_evidence], start=1):
            row[f"evidence_{k}_page"] = span.get("page", "")
            row[f"evidence_{k}_score"] = f"{float(span.get('score', 0.0)):.6f}"
            row[f"evidence_{k}_text"] = span.get("text", "")
        writer.writerow({name: _guard(str(value)) for name, value in row.items()})
    return buffer.getvalue()


def _number(value: Any) -> str:
    return "" if value is None else f"{float(value):.6f}"


# What a spreadsheet may read as the start of a formula: = + - @, or tab / CR before one.
_FORMULA_AT_LINE_START = re.compile(r"(?m)^(?=[=+\-@\t])")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _guard(text: str) -> str:
    """Defuse spreadsheet formula injection in any cell. Text starting with = + - @ or a tab
    would be evaluated by Excel or LibreOffice; so would each line of a cell in a program
    that ends rows at line ends inside quotes, and some take a bare CR for one
    (``"Acme Ltd\\r=cmd|..."``). CRs become newlines, every line that could start a
    formula gets a leading apostrophe, and plain numbers (scores, pages) stay numbers."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _PLAIN_NUMBER.fullmatch(text):
        return text
    return _FORMULA_AT_LINE_START.sub("'", text)
