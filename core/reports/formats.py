"""Pick the audit report renderer by format name or by an output file's extension."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.reports.csv import render_audit_csv
from core.reports.html import render_audit

FORMATS = ("html", "csv", "json")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def format_of(path: Path) -> str:
    """``report.html`` -> ``"html"``; an unknown extension names the valid ones."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "htm":
        fmt = "html"
    if fmt not in FORMATS:
        raise ValueError(
            f"cannot tell the report format from {path.name!r}: use a file name ending in "
            + ", ".join(f".{f}" for f in FORMATS)
        )
    return fmt


def render_report(audit: Mapping[str, Any], documents: Mapping[str, str], fmt: str) -> str:
    """The audit in ``fmt`` (html, csv or json); ``documents`` maps names to text (HTML only)."""
    if fmt == "html":
        return render_audit(audit, documents)
    if fmt == "csv":
        return render_audit_csv(audit)
    if fmt == "json":
        return json.dumps(audit, indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown report format {fmt!r}; valid: {', '.join(FORMATS)}")
