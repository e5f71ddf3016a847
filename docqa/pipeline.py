"""Explain a question about an ingested document: the DESIGN 2.1 result object.

Shared by `docqa explain`, `docqa audit` and the service's workers, so every surface reports the
same units, evidence and pages.
"""

from __future__ import annotations

from typing import Any

from explain_engine import Explainer, Explanation
from ingest import Document

MAX_EVIDENCE = 3
# A unit is evidence when it hurts the answer at least this share as much as the best unit.
EVIDENCE_SHARE = 0.25


def _evidence(document: Document, explanation: Explanation) -> list[dict[str, Any]]:
    best = explanation.best_score
    picked = [
        u for u in explanation.top(MAX_EVIDENCE) if u.score > 0 and u.score >= EVIDENCE_SHARE * best
    ]
    return [
        {
            "start": u.start,
            "end": u.end,
            "page": document.page_at(u.start),
            "score": round(u.score, 6),
            "text": document.text[u.start : u.end],
        }
        for u in picked
    ]


def _explained_chunks(document: Document, explanation: Explanation) -> list[int]:
    if explanation.explained_spans is None:
        return [c.index for c in document.chunks]
    spans = explanation.explained_spans
    return [c.index for c in document.chunks if any(s < c.end and c.start < e for s, e in spans)]


def to_result(document: Document, explanation: Explanation) -> dict[str, Any]:
    """The `docqa explain --json` object for ``explanation`` of ``document``."""
    return {
        "document": document.summary(),
        "question": explanation.question,
        "answer": explanation.answer,
        "answer_source": explanation.answer_source,
        "model": explanation.model,
        "method": explanation.method,
        "units": [
            {
                "index": u.index,
                "start": u.start,
                "end": u.end,
                "page": document.page_at(u.start),
                "score": round(u.score, 6),
            }
            for u in explanation.units
        ],
        "evidence": _evidence(document, explanation),
        "supported": explanation.supported,
        "cost": {
            "forward_passes": explanation.forward_passes,
            "seconds": round(explanation.seconds, 3),
        },
        "explained_chunks": _explained_chunks(document, explanation),
    }


def explain_document(
    document: Document,
    question: str,
    *,
    explainer: Explainer,
    answer: str | None = None,
    granularity: str = "paragraph",
    mode: str | None = None,
    factor: float | None = None,
    kappa: float | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Explain ``question`` (and ``answer``, generated when None) on ``document``.

    Paragraph units are the document's own chunks, so scores line up with stored chunks.
    """
    units = [(c.start, c.end) for c in document.chunks] if granularity == "paragraph" else None
    explanation = explainer.explain(
        document.text,
        question,
        answer=answer,
        units=units,
        granularity=granularity,
        mode=mode,
        factor=factor,
        kappa=kappa,
        progress=progress,
    )
    if units is not None:
        explanation.method["granularity"] = "paragraph"
    return to_result(document, explanation)
