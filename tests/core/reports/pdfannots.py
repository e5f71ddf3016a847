"""Read the highlight annotations of a PDF back with pypdf, for the annotated-PDF tests."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader

from ingest.geometry import Rect


@dataclass
class Highlight:
    page: int  # 1-based
    note: str
    author: str
    opacity: float
    rects: list[Rect]


def highlights(data: bytes) -> list[Highlight]:
    """Every /Highlight annotation, page by page, with its QuadPoints as rectangles."""
    out = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages, 1):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Highlight":
                continue
            q = [float(v) for v in annot["/QuadPoints"]]
            rects = [
                Rect(
                    number,
                    min(q[i : i + 8 : 2]),
                    min(q[i + 1 : i + 8 : 2]),
                    max(q[i : i + 8 : 2]),
                    max(q[i + 1 : i + 8 : 2]),
                )
                for i in range(0, len(q), 8)
            ]
            out.append(
                Highlight(
                    number,
                    str(annot.get("/Contents", "")),
                    str(annot.get("/T", "")),
                    float(annot.get("/CA", 1.0)),
                    rects,
                )
            )
    return out
