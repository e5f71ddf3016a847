"""Build examples/employment_contract.pdf from examples/employment_contract.txt.

A two-page PDF with a running header and a "Page N of M" footer, as a real contract would
have, so the demo shows that ingestion removes page furniture. Run from the repository root:

    python examples/make_example_pdf.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
HEADER = "Northwind Analytics Ltd. - Employment Agreement - Jane Doe"


class _ContractPdf(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 6, HEADER, align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(6)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def build(source: Path = HERE / "employment_contract.txt", out: Path | None = None) -> Path:
    out = out or source.with_suffix(".pdf")
    paragraphs = [p.strip() for p in source.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    pdf = _ContractPdf(format="A4")
    pdf.set_creation_date(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))  # reproducible bytes
    pdf.set_margins(25, 20, 25)
    pdf.set_auto_page_break(auto=True, margin=25)
    pdf.add_page()
    title, *body = paragraphs
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 11.5)
    for paragraph in body:
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    pdf.output(str(out))
    return out


if __name__ == "__main__":
    build()
