"""Small PDFs built with fpdf2 (and pypdf for encryption) for the ingestion tests."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

LINE_HEIGHT = 6.0  # mm
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def build_pdf(
    pages: list[list[str]],
    *,
    header: str | None = None,
    footer: bool = False,
    font: Path | None = None,
) -> bytes:
    """A PDF with exactly the given lines per page; "" leaves a blank line (a paragraph gap).

    ``header`` is printed at the top of every page, ``footer`` adds "Page N of M" at the
    bottom, as real contracts have them.
    """

    class _Pdf(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("Helvetica", "", 8)
                self.set_xy(20, 8)
                self.cell(0, 5, header)

        def footer(self) -> None:
            if footer:
                self.set_font("Helvetica", "", 8)
                self.set_y(-15)
                self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 20, 20)
    if font is not None:
        pdf.add_font("Body", "", str(font))
    for lines in pages:
        pdf.add_page()
        if font is not None:
            pdf.set_font("Body", "", 10)
        else:
            pdf.set_font("Helvetica", "", 10)
        pdf.set_xy(20, 25)
        for line in lines:
            if line:
                pdf.cell(0, LINE_HEIGHT, line, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.ln(LINE_HEIGHT)
    return bytes(pdf.output())


def image_page_pdf(pages_with_text: list[list[str]] | None = None) -> bytes:
    """A PDF whose (last) page is only an image, like a scan without OCR."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).text((20, 80), "SCANNED CONTRACT PAGE", fill="black")
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for lines in pages_with_text or []:
        pdf.add_page()
        pdf.set_font("Helvetica", "", 10)
        pdf.set_xy(20, 25)
        for line in lines:
            pdf.cell(0, LINE_HEIGHT, line, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=190)
    return bytes(pdf.output())


def encrypt_pdf(data: bytes, user_password: str, algorithm: str = "AES-256") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def form_wrapped_image_pdf() -> bytes:
    """A scan as some scanners write it: the page draws a form XObject holding the image."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        StreamObject,
    )

    scan = PdfReader(io.BytesIO(image_page_pdf())).pages[0]
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    form = StreamObject()
    form.set_data(scan.get_contents().get_data())
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(v) for v in (0, 0, 595, 842)]),
            NameObject("/Resources"): scan["/Resources"].get_object().clone(writer),
        }
    )
    resources = {NameObject("/Fm1"): writer._add_object(form)}  # pypdf has no public adder
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject(resources)}
    )
    contents = StreamObject()
    contents.set_data(b"q /Fm1 Do Q")
    page[NameObject("/Contents")] = writer._add_object(contents)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
