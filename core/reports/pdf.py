"""The original PDF with the evidence on it: highlight annotations, page images, boxes.

The uploaded bytes are only read: the annotated file is a new copy that pypdf writes from them,
with the page content untouched and one Highlight annotation per evidence span and page it
covers. Its quadrilaterals are the span's line pieces (``ingest.geometry``), its colour and
opacity those of the HTML report, and its note gives the span's rank and score, so a reader in
any PDF viewer sees why the passage is marked.

For the web page, ``page_png`` renders one page as an image on the server (the browser loads
no PDF code) and ``evidence_boxes`` gives each span's rectangles as fractions of that image.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any

import pypdfium2 as pdfium
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Highlight
from pypdf.generic import ArrayObject, FloatObject, NameObject, TextStringObject

from core.reports.highlight import HUES, evidence_alpha, intensity, max_positive
from ingest.geometry import Rect, TextGeometry

AUTHOR = "docqa"
# Width in pixels of a rendered page image: enough to read a contract, bounded for the server.
PAGE_WIDTH_MIN, PAGE_WIDTH_DEFAULT, PAGE_WIDTH_MAX = 200, 1000, 2000


def annotate_evidence(
    data: bytes,
    text: str,
    pages: Sequence[tuple[int, int]],
    evidence: Sequence[Mapping[str, Any]],
    *,
    supported: bool = True,
) -> bytes:
    """A copy of the PDF ``data`` with ``evidence`` highlighted.

    ``text`` and ``pages`` are what ingesting ``data`` gave (``Document.text`` and each page's
    range); ``evidence`` is the result's evidence list (``start``, ``end``, ``score``), best
    first. Spans that land on no character of the page (text the alignment could not place)
    get no annotation.
    """
    geometry = TextGeometry(data, text, list(pages))
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:  # ingestion only accepts PDFs that open with the empty password
        reader.decrypt("")
    writer = PdfWriter(clone_from=reader)
    hue = HUES[bool(supported)]
    colour = "".join(f"{c:02x}" for c in hue)
    scale = max_positive(e.get("score") for e in evidence)
    for rank, span in enumerate(evidence, 1):
        score = float(span.get("score") or 0.0)
        rects = geometry.rects(int(span["start"]), int(span["end"]))
        for page, piece in groupby(rects, key=lambda r: r.page):
            annotation = _highlight(list(piece), colour)
            annotation[NameObject("/Contents")] = TextStringObject(
                f"Evidence #{rank} of {len(evidence)}, score {score:.4f} (AtMan: how much the "
                "answer's cross-entropy rises when this span is suppressed)"
            )
            annotation[NameObject("/T")] = TextStringObject(AUTHOR)
            annotation[NameObject("/CA")] = FloatObject(
                round(evidence_alpha(intensity(score, scale)), 3)
            )
            writer.add_annotation(page - 1, annotation)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _highlight(rects: list[Rect], colour: str) -> Highlight:
    quads: list[float] = []
    for r in rects:  # upper left, upper right, lower left, lower right: viewers' order
        quads += [r.left, r.top, r.right, r.top, r.left, r.bottom, r.right, r.bottom]
    bounds = (
        min(r.left for r in rects),
        min(r.bottom for r in rects),
        max(r.right for r in rects),
        max(r.top for r in rects),
    )
    return Highlight(
        rect=bounds,
        quad_points=ArrayObject(FloatObject(round(v, 3)) for v in quads),
        highlight_color=colour,
        printing=True,
    )


def page_png(data: bytes, number: int, width: int = PAGE_WIDTH_DEFAULT) -> bytes:
    """Page ``number`` (1-based) of the PDF ``data`` as a PNG ``width`` pixels wide (its crop
    box, as the reader sees it, annotations left out: the highlights are drawn over it)."""
    width = max(PAGE_WIDTH_MIN, min(width, PAGE_WIDTH_MAX))
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[number - 1]
        try:
            scale = width / page.get_width()
            image = page.render(scale=scale, draw_annots=False).to_pil()
        finally:
            page.close()
    finally:
        pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def evidence_boxes(
    data: bytes,
    text: str,
    pages: Sequence[tuple[int, int]],
    evidence: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Each page's size and each evidence span's rectangles as fractions of its page image
    (``x``, ``y`` from the top left, ``w``, ``h``), best span first."""
    geometry = TextGeometry(data, text, list(pages))
    by_number = {p.number: p for p in geometry.pages}
    spans = []
    for rank, span in enumerate(evidence, 1):
        rects = geometry.rects(int(span["start"]), int(span["end"]))
        spans.append(
            {
                "rank": rank,
                "start": int(span["start"]),
                "end": int(span["end"]),
                "score": float(span.get("score") or 0.0),
                "boxes": [{"page": r.page, **by_number[r.page].relative(r)} for r in rects],
            }
        )
    return {"pages": [p.to_dict() for p in geometry.pages], "evidence": spans}
