"""Explain a question about an ingested document: the DESIGN 2.1 result object.

Shared by `docqa explain`, `docqa audit` and the service's workers, so every surface reports the
same units, evidence and pages.
"""

from __future__ import annotations

from typing import Any

from core.settings import get_settings
from explain_engine import AtmanConfig, Explainer, Explanation
from explain_engine.model_loading import BUNDLED_NAME
from explain_engine.retrieval import bm25_rank
from explain_engine.verdict import (
    BUNDLED_CALIBRATION,
    SUPPORTED,
    UNCALIBRATED,
    Calibration,
    Verdict,
    verify,
)
from ingest import Document
from ingest.segment import sentence_spans, word_spans

MAX_EVIDENCE = 3
# A unit is evidence when it hurts the answer at least this share as much as the best unit.
EVIDENCE_SHARE = 0.25
# Reciprocal-rank fusion constant (Cormack et al. 2009): the verdict's evidence is the units both
# AtMan and BM25 rank high, so a paraphrased claim AtMan ranks poorly still finds its clause.
RRF_K = 60


def explainer_from_settings(model: str | None = None, **overrides: Any) -> Explainer:
    """The Explainer every surface (CLI, audit, workers) builds from the one settings object.

    ``overrides`` (mode, factor, kappa, scope, verify_k) take precedence over the environment
    when not None.
    """
    settings = get_settings()
    values = {
        "mode": settings.mode,
        "factor": settings.factor,
        "kappa": settings.kappa,
        "scope": settings.scope,
        "verify_k": settings.verify_k,
        "memory_budget_mb": settings.memory_budget_mb,
        "target_units": settings.target_chunks,
        "supported_threshold": settings.supported_threshold,
        "context_budget_tokens": settings.context_budget,
    } | {k: v for k, v in overrides.items() if v is not None}
    # None everywhere means the engine's default (factor: the mode's, kappa: off).
    config = AtmanConfig().with_overrides(**values)
    return Explainer(
        model or settings.model,
        device=settings.device,
        config=config,
        cache_dir=settings.model_cache_dir,
    )


def _evidence(document: Document, explanation: Explanation) -> list[dict[str, Any]]:
    best = explanation.best_score
    picked = [
        u for u in explanation.top(MAX_EVIDENCE) if u.score > 0 and u.score >= EVIDENCE_SHARE * best
    ]
    return [_span(document, u.start, u.end, u.score) for u in picked]


def _span(document: Document, start: int, end: int, score: float) -> dict[str, Any]:
    """An evidence span as results carry it (DESIGN 2.1)."""
    return {
        "start": start,
        "end": end,
        "page": document.page_at(start),
        "score": round(score, 6),
        "text": document.text[start:end],
    }


def verdict_calibration(explainer: Explainer) -> Calibration:
    """DOCQA_VERDICT_CALIBRATION's file, else the bundled model's fit, else uncalibrated."""
    path = get_settings().verdict_calibration
    if path is not None:
        return Calibration.load(path)
    return BUNDLED_CALIBRATION if explainer.model_name == BUNDLED_NAME else UNCALIBRATED


def verdict_ranking(text: str, explanation: Explanation) -> list[int]:
    """Indices into ``explanation.units``: AtMan's and BM25's (question + answer) ranks fused."""
    units = [(u.start, u.end) for u in explanation.units]
    lexical = bm25_rank(text, units, f"{explanation.question} {explanation.answer}")
    causal = sorted(range(len(units)), key=lambda i: -explanation.units[i].score)
    fused = [0.0] * len(units)
    for ranking in (causal, lexical):
        for rank, i in enumerate(ranking):
            fused[i] += 1.0 / (RRF_K + rank + 1)
    return sorted(range(len(units)), key=lambda i: (-fused[i], i))


def _verdict(document: Document, verdict: Verdict) -> dict[str, Any]:
    return {
        "label": verdict.label,
        "confidence": round(verdict.confidence, 6),
        "probabilities": {k: round(v, 6) for k, v in verdict.probabilities.items()},
        "features": {k: round(v, 6) for k, v in verdict.features.items()},
        "calibration": verdict.calibration,
        "evidence": [_span(document, e.start, e.end, e.score) for e in verdict.evidence],
        "forward_passes": verdict.forward_passes,
        "seconds": round(verdict.seconds, 3),
    }


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
        "answer_trimmed": explanation.answer_trimmed,
        "model": explanation.model,
        "method": explanation.method,
        "units": [
            {
                "index": u.index,
                "start": u.start,
                "end": u.end,
                "page": document.page_at(u.start),
                "score": round(u.score, 6),
                "verified": u.verified,
            }
            for u in explanation.units
        ],
        "evidence": _evidence(document, explanation),
        "supported": explanation.supported,
        "grounded": explanation.supported,
        "cost": {
            "forward_passes": explanation.forward_passes,
            "seconds": round(explanation.seconds, 3),
        },
        "explained_chunks": _explained_chunks(document, explanation),
        "context_budget": explanation.stats.get("context_budget"),
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
    scope: str | None = None,
    verify_k: int | None = None,
    progress: bool = False,
    zoom: bool = False,
    deadline: float | None = None,
) -> dict[str, Any]:
    """Explain ``question`` (and ``answer``, generated when None) on ``document``.

    Paragraph units are the document's own chunks, so scores line up with stored chunks. With
    ``zoom`` (paragraph granularity only), the sentences of the top paragraph and then the words
    of the top sentence are explained too (DESIGN 1.5 hierarchical zoom) and returned under
    ``"zoom"``: a handful of extra passes, far fewer than word units over the whole text.
    ``deadline`` (``time.monotonic()``) bounds all of it: past it, ``TimeLimitError``.
    """
    units = [(c.start, c.end) for c in document.chunks] if granularity == "paragraph" else None
    explanation = explainer.explain(
        document.text,
        question,
        answer=answer,
        units=units,
        granularity=granularity,
        unit_label=granularity,  # the chunks are this document's paragraphs, not loose spans
        mode=mode,
        factor=factor,
        kappa=kappa,
        scope=scope,
        verify_k=verify_k,
        progress=progress,
        deadline=deadline,
    )
    result = to_result(document, explanation)
    verdict = verify(
        explainer,
        document.text,
        [(u.start, u.end) for u in explanation.units],
        verdict_ranking(document.text, explanation),
        question,
        explanation.answer,
        calibration=verdict_calibration(explainer),
        deadline=deadline,
    )
    # "supported" is the auditor's question (does the document say this?); "grounded" is the
    # older test of whether the answer draws on the document at all (best unit >= threshold).
    result["verdict"] = _verdict(document, verdict)
    result["supported"] = verdict.label == SUPPORTED
    result["cost"]["forward_passes"] += verdict.forward_passes
    if zoom and units is not None:
        settings = {
            "mode": mode,
            "factor": factor,
            "kappa": kappa,
            "scope": scope,
            "verify_k": verify_k,
            "deadline": deadline,
        }
        result["zoom"] = _zoom(document, question, explanation, explainer, settings)
        result["cost"]["forward_passes"] += sum(z["forward_passes"] for z in result["zoom"])
    return result


def _zoom(
    document: Document,
    question: str,
    explanation: Explanation,
    explainer: Explainer,
    settings: dict[str, Any],
) -> list[dict[str, Any]]:
    levels = []
    parent = explanation.top(1)[0]
    for granularity, split in (("sentence", sentence_spans), ("word", word_spans)):
        spans = split(document.text, parent.start, parent.end)
        if len(spans) < 2:
            break
        inner = explainer.explain(
            document.text, question, answer=explanation.answer, units=spans, **settings
        )
        levels.append(
            {
                "granularity": granularity,
                "parent": {"start": parent.start, "end": parent.end},
                "forward_passes": inner.forward_passes,
                "units": [
                    {
                        "start": u.start,
                        "end": u.end,
                        "page": document.page_at(u.start),
                        "score": round(u.score, 6),
                    }
                    for u in inner.units
                ],
            }
        )
        parent = inner.top(1)[0]
    return levels
