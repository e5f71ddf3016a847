"""`docqa bench verdict`: the three-way audit verdict, calibrated on dev, reported on test.

Cases (each with the verdict an expert or the construction gives):
- ContractNLI NDAs: hypotheses as claims; Entailment / Contradiction / NotMentioned.
- SQuAD: answerable questions (supported) and the same questions asked of another article's
  paragraphs (not in the document).
- CUAD windows: answerable questions (supported) and the same category's clause from another
  contract as the answer (not in the document).

Each case runs the product's verification stage (`explain_engine.verdict.verify`) on the top
units of a BM25 ranking (question + answer). The product fuses that ranking with AtMan's; the
benchmark leaves AtMan out so that a few hundred cases fit a CPU (AtMan on a whole NDA takes about
a minute per claim here). One JSON line per case goes to the records file, so a run resumes.
The calibration (multinomial logistic regression, balanced class weights) is fitted on the dev
records only and then applied to the test records.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score

from bench.data.case import Case
from bench.quality import append_record, read_records
from explain_engine import Explainer
from explain_engine.retrieval import bm25_rank
from explain_engine.verdict import (
    CONTRADICTED,
    FEATURES,
    NOT_IN_DOCUMENT,
    SUPPORTED,
    UNCALIBRATED,
    VERDICTS,
    VERIFY_UNITS,
    Calibration,
    verify,
)


def expected_verdict(case: Case) -> str:
    return case.meta.get("label") or (SUPPORTED if case.answerable else NOT_IN_DOCUMENT)


def balanced(cases: list[Case], limit: int | None, seed: int = 0) -> list[Case]:
    """Up to ``limit`` cases, the same number of each expected verdict where there are enough,
    interleaved so a stopped run is still balanced."""
    groups: dict[str, list[Case]] = {}
    for c in cases:
        groups.setdefault(expected_verdict(c), []).append(c)
    rng = random.Random(seed)
    for g in groups.values():
        rng.shuffle(g)
    out: list[Case] = []
    while any(groups.values()) and (limit is None or len(out) < limit):
        for label in sorted(groups):
            if groups[label] and (limit is None or len(out) < limit):
                out.append(groups[label].pop())
    return out


def run(explainer: Explainer, cases: Iterable[Case], records_path: Path, on_record=None) -> int:
    """Verify every case not yet in ``records_path``; returns how many ran."""
    records_path.parent.mkdir(parents=True, exist_ok=True)
    done = {(r["dataset"], r["id"]) for r in read_records(records_path)}
    ran = 0
    for case in cases:
        if (case.dataset, case.id) in done:
            continue
        ranking = bm25_rank(case.text, case.units, f"{case.question} {case.answer}")
        t0 = time.perf_counter()
        verdict = verify(
            explainer, case.text, case.units, ranking, case.question, case.answer, explain=False
        )
        record = {
            "id": case.id,
            "dataset": case.dataset,
            "split": case.split,
            "expected": expected_verdict(case),
            "features": verdict.features,
            "gold_in_evidence": bool(set(ranking[:VERIFY_UNITS]) & set(case.gold)),
            "forward_passes": verdict.forward_passes,
            "seconds": time.perf_counter() - t0,
        }
        append_record(records_path, record)
        ran += 1
        if on_record:
            on_record(record)
    return ran


def _matrix(records: list[dict]) -> np.ndarray:
    return np.array([[r["features"][f] for f in FEATURES] for r in records])


# Fits: "three_way" learns all three verdicts; "two_way" folds "contradicted" into "not in the
# document" and never says "contradicted", for a model that cannot tell the two apart (the
# bundled one: README, Evaluation).
FITS = ("three_way", "two_way")
NEVER = -50.0  # a logit no verdict comes near


def fit(records: list[dict], name: str, kind: str = "three_way") -> Calibration:
    """Logistic regression on ``records``' features, classes weighted equally."""
    if kind not in FITS:
        raise ValueError(f"unknown fit {kind!r}; valid: {', '.join(FITS)}")
    y = [r["expected"] for r in records]
    if kind == "two_way":
        y = [v if v == SUPPORTED else NOT_IN_DOCUMENT for v in y]
    wanted = set(VERDICTS) if kind == "three_way" else {SUPPORTED, NOT_IN_DOCUMENT}
    missing = wanted - set(y)
    if missing:
        raise ValueError(f"no dev records of {sorted(missing)}: cannot calibrate")
    model = LogisticRegression(max_iter=2000, class_weight="balanced").fit(_matrix(records), y)
    if kind == "two_way":  # one row: the log-odds of "supported" against "not in the document"
        zero = tuple(0.0 for _ in FEATURES)
        coef = {SUPPORTED: tuple(float(w) for w in model.coef_[0]), NOT_IN_DOCUMENT: zero}
        coef[CONTRADICTED] = zero
        intercept = {SUPPORTED: float(model.intercept_[0]), NOT_IN_DOCUMENT: 0.0}
        intercept[CONTRADICTED] = NEVER
        if list(model.classes_) != [NOT_IN_DOCUMENT, SUPPORTED]:
            raise ValueError(f"unexpected classes {model.classes_}")
    else:
        rows = {label: i for i, label in enumerate(model.classes_)}
        coef = {v: tuple(float(w) for w in model.coef_[rows[v]]) for v in VERDICTS}
        intercept = {v: float(model.intercept_[rows[v]]) for v in VERDICTS}
    return Calibration(
        coef=tuple(coef[v] for v in VERDICTS),
        intercept=tuple(intercept[v] for v in VERDICTS),
        name=f"{name}, {kind.replace('_', '-')}",
    )


def predict(records: list[dict], calibration: Calibration) -> list[str]:
    out = []
    for r in records:
        probs = calibration.probabilities(r["features"])
        out.append(max(VERDICTS, key=lambda v: probs[v]))
    return out


def _rate(pred: list[str], expected: list[str], given: str, called: str) -> dict | None:
    hits = [p == called for p, e in zip(pred, expected, strict=True) if e == given]
    return {"rate": round(sum(hits) / len(hits), 3), "n": len(hits)} if hits else None


def _macro_f1(expected: list[str], pred: list[str]) -> float:
    score = f1_score(expected, pred, labels=list(VERDICTS), average="macro", zero_division=0)
    return round(float(score), 3)


def evaluate(records: list[dict], calibration: Calibration) -> dict:
    """Confusion matrix, macro-F1 and the issue's rates for ``records`` under ``calibration``."""
    expected = [r["expected"] for r in records]
    pred = predict(records, calibration)
    majority = Counter(expected).most_common(1)[0][0]
    out: dict = {
        "n": len(records),
        "labels": list(VERDICTS),
        "confusion": confusion_matrix(expected, pred, labels=list(VERDICTS)).tolist(),
        "macro_f1": _macro_f1(expected, pred),
        "accuracy": round(float(np.mean([p == e for p, e in zip(pred, expected, strict=True)])), 3),
        "majority": majority,
        "majority_macro_f1": _macro_f1(expected, [majority] * len(expected)),
        "supported_called_supported": _rate(pred, expected, SUPPORTED, SUPPORTED),
        "contradicted_called_supported": _rate(pred, expected, CONTRADICTED, SUPPORTED),
        "contradicted_called_contradicted": _rate(pred, expected, CONTRADICTED, CONTRADICTED),
    }
    called = [e for p, e in zip(pred, expected, strict=True) if p == SUPPORTED]
    out["supported_precision"] = (
        {"precision": round(called.count(SUPPORTED) / len(called), 3), "n": len(called)}
        if called
        else None
    )
    return out


def summary(records: list[dict], name: str, chosen: str = "three_way") -> dict:
    """Both fits on dev; each split and dataset evaluated with each, and uncalibrated beside
    them. ``chosen`` is the fit written as ``calibration`` (what DOCQA_VERDICT_CALIBRATION
    loads)."""
    dev = [r for r in records if r["split"] == "dev"]
    fits = {kind: fit(dev, name, kind) for kind in FITS}
    tables = {}
    for split in ("dev", "test"):
        for dataset in ["all", *sorted({r["dataset"] for r in records})]:
            part = [
                r
                for r in records
                if r["split"] == split and (dataset == "all" or r["dataset"] == dataset)
            ]
            if not part:
                continue
            answerable = [r["gold_in_evidence"] for r in part if r["expected"] != NOT_IN_DOCUMENT]
            tables[f"{dataset}/{split}"] = {
                **{kind: evaluate(part, c) for kind, c in fits.items()},
                "uncalibrated": evaluate(part, UNCALIBRATED),
                "gold_in_evidence": round(float(np.mean(answerable)), 3) if answerable else None,
                "seconds_per_case": round(float(np.mean([r["seconds"] for r in part])), 3),
                "forward_passes_per_case": round(
                    float(np.mean([r["forward_passes"] for r in part])), 2
                ),
            }
    return {
        "features": list(FEATURES),
        "chosen": chosen,
        "calibration": fits[chosen].to_dict(),
        "fits": {kind: c.to_dict() for kind, c in fits.items()},
        "tables": tables,
    }
