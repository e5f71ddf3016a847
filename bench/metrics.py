"""Ranking metrics of unit scores against gold units, and the "supported" call's quality.

Ranks break ties pessimistically (a gold unit tied with others is ranked after them), so a
method that scores everything equal gets no credit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _order(scores: Sequence[float], gold: set[int]) -> list[int]:
    # Highest score first; among equal scores non-gold units first (pessimistic ties).
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i in gold, i))


def gold_rank(scores: Sequence[float], gold: Sequence[int]) -> int:
    """1-based rank of the best-ranked gold unit."""
    g = set(gold)
    if not g:
        raise ValueError("no gold units")
    return next(r for r, i in enumerate(_order(scores, g), 1) if i in g)


def top1(scores: Sequence[float], gold: Sequence[int]) -> float:
    return 1.0 if gold_rank(scores, gold) == 1 else 0.0


def reciprocal_rank(scores: Sequence[float], gold: Sequence[int]) -> float:
    return 1.0 / gold_rank(scores, gold)


def average_precision(scores: Sequence[float], gold: Sequence[int]) -> float:
    """Mean of precision@k over the ranks k of the gold units (all of them)."""
    g = set(gold)
    if not g:
        raise ValueError("no gold units")
    hits, total = 0, 0.0
    for k, i in enumerate(_order(scores, g), 1):
        if i in g:
            hits += 1
            total += hits / k
    return total / len(g)


def average_recall(scores: Sequence[float], gold: Sequence[int]) -> float:
    """Mean of recall@k over all cut-offs k = 1..n: the area under the recall-vs-rank curve.

    The paper (AtMan, Table 1) reports "mean average recall" beside mAP without a formula;
    this is our reading of it: 1.0 when all positives come first, ~0.5 for a random order.
    """
    g = set(gold)
    if not g:
        raise ValueError("no gold units")
    hits, total = 0, 0.0
    order = _order(scores, g)
    for i in order:
        hits += i in g
        total += hits / len(g)
    return total / len(order)


def mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def ranking_summary(records: Sequence[dict]) -> dict:
    """top-1, MRR and mAP over records holding "scores" and "gold" (answerable ones only)."""
    rows = [r for r in records if r["gold"]]
    return {
        "n": len(rows),
        "top1": mean([top1(r["scores"], r["gold"]) for r in rows]),
        "mrr": mean([reciprocal_rank(r["scores"], r["gold"]) for r in rows]),
        "map": mean([average_precision(r["scores"], r["gold"]) for r in rows]),
    }


def not_supported_quality(
    best: Sequence[float], answerable: Sequence[bool], threshold: float
) -> dict:
    """Precision and recall of calling "not supported" (best unit score < threshold)."""
    best_a, ans = np.asarray(best, dtype=float), np.asarray(answerable, dtype=bool)
    called = best_a < threshold
    tp = int((called & ~ans).sum())
    fp = int((called & ans).sum())
    fn = int((~called & ~ans).sum())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (2 * precision * recall / (precision + recall)) if precision and recall else 0.0
    return {
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
    }


def best_threshold(
    best: Sequence[float], answerable: Sequence[bool], min_precision: float | None = None
) -> dict:
    """Threshold of the "not supported" call, from midpoints between observed scores.

    With ``min_precision``: the highest recall whose precision reaches it (wrongly telling a
    user that the document does not support a right answer is the costlier error); without
    it, or when no threshold reaches it, the highest F1.
    """
    values = np.unique(np.asarray(best, dtype=float))
    candidates = [float(values[0]) - 1e-6] + [float(x) for x in (values[:-1] + values[1:]) / 2]
    candidates.append(float(values[-1]) + 1e-6)
    results = [not_supported_quality(best, answerable, t) for t in candidates]
    if min_precision is not None:
        ok = [r for r in results if r["precision"] is not None and r["precision"] >= min_precision]
        if ok:
            return max(ok, key=lambda r: (r["recall"], -r["threshold"]))
    return max(results, key=lambda r: (r["f1"], -abs(r["threshold"])))
