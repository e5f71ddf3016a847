"""The auditor's verdict: does the document say this? (DESIGN 1.8)

Three answers: **supported**, **contradicted**, **not in the document**. The model checks the
answer against the document's top evidence units itself:

1. Evidence: the ``k`` best units of the caller's ranking (the product fuses AtMan's ranking with
   BM25 on question + answer), joined in document order.
2. Features, five short forward passes over that evidence:
   - the log-probability of each reply to a verification prompt ("Yes" / "No" / "Not stated"),
     normalised over the three replies;
   - grounding: how much the evidence lowers the answer's cross-entropy against an empty
     document (nats per answer token), the document-level form of AtMan's score.
3. A calibration (multinomial logistic regression over those features, fitted on dev splits by
   ``docqa bench verdict``) turns them into three probabilities; the label is the most probable.
4. AtMan explains the chosen reply over the evidence units (k + 1 passes), so the evidence shown
   for the verdict is the evidence the verdict rests on: for "contradicted", the clause whose
   suppression most weakens the model's "No".
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from explain_engine.atman import base_pass
from explain_engine.errors import InvalidInputError, check_deadline
from explain_engine.explainer import Explainer
from explain_engine.prompt import build_prompt
from explain_engine.units import join_spans

Span = tuple[int, int]

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
NOT_IN_DOCUMENT = "not_in_document"
VERDICTS = (SUPPORTED, CONTRADICTED, NOT_IN_DOCUMENT)
# What the model is asked to reply for each verdict.
REPLIES = {SUPPORTED: "Yes", CONTRADICTED: "No", NOT_IN_DOCUMENT: "Not stated"}
# Units of evidence the model checks the answer against (= the evidence a result shows).
VERIFY_UNITS = 3
# The document the grounding feature compares against (the prompt needs some document).
EMPTY_DOCUMENT = "(no document)"
FEATURES = (*(f"reply_{v}" for v in VERDICTS), "grounding")


def verification_question(question: str, answer: str) -> str:
    return (
        f"Question: {question}\nProposed answer: {answer}\n"
        "Does the document state this answer? Reply Yes, No (the document says otherwise), "
        "or Not stated."
    )


@dataclass(frozen=True)
class Calibration:
    """Multinomial logistic regression: P(verdict) = softmax(coef @ features + intercept)."""

    coef: tuple[
        tuple[float, ...], ...
    ]  # one row per verdict (VERDICTS order), one column per FEATURE
    intercept: tuple[float, ...]
    name: str  # what results report, e.g. "bundled (ContractNLI + SQuAD + CUAD dev)"

    def __post_init__(self) -> None:
        if len(self.coef) != len(VERDICTS) or len(self.intercept) != len(VERDICTS):
            raise InvalidInputError(f"a verdict calibration needs {len(VERDICTS)} rows")
        if any(len(row) != len(FEATURES) for row in self.coef):
            raise InvalidInputError(f"a verdict calibration needs the features {FEATURES}")

    def probabilities(self, features: dict[str, float]) -> dict[str, float]:
        x = [features[f] for f in FEATURES]
        logits = [
            sum(w * v for w, v in zip(row, x, strict=True)) + b
            for row, b in zip(self.coef, self.intercept, strict=True)
        ]
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)
        return {v: e / total for v, e in zip(VERDICTS, exp, strict=True)}

    @classmethod
    def load(cls, path: Path) -> Calibration:
        """A calibration file as ``docqa bench verdict`` writes it (``calibration`` key)."""
        try:
            data = json.loads(Path(path).read_text())
            data = data.get("calibration", data)
            return cls(
                coef=tuple(tuple(float(w) for w in row) for row in data["coef"]),
                intercept=tuple(float(b) for b in data["intercept"]),
                name=str(data.get("name", Path(path).name)),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InvalidInputError(f"unreadable verdict calibration {path}: {exc}") from exc

    def to_dict(self) -> dict:
        return asdict(self)


# Any model: the model's own reply probabilities, grounding ignored.
UNCALIBRATED = Calibration(
    coef=((1.0, 0.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0), (0.0, 0.0, 1.0, 0.0)),
    intercept=(0.0, 0.0, 0.0),
    name="uncalibrated",
)

# The bundled model (SmolLM2-135M-Instruct): `docqa bench verdict --split dev --limit 60
# --fit two_way`, fitted on 152 dev cases (60 ContractNLI claims, 60 SQuAD, 32 CUAD;
# results/verdict.json). Two-way: on dev this model could not tell "contradicted" from
# "supported" (README, Evaluation), so its calibration never says "contradicted" and "not in the
# document" stands for "not supported". Columns: FEATURES; rows: VERDICTS.
BUNDLED_CALIBRATION = Calibration(
    coef=(
        (-0.5021, 0.1300, 0.4308, 1.2728),
        (0.0000, 0.0000, 0.0000, 0.0000),
        (0.0000, 0.0000, 0.0000, 0.0000),
    ),
    intercept=(-0.5391, -50.0000, 0.0000),
    name="bundled (docqa bench verdict, dev), two-way",
)


@dataclass
class VerdictEvidence:
    start: int  # character offsets into the document
    end: int
    score: float  # CE increase of the verdict's reply when the unit is suppressed


@dataclass
class Verdict:
    label: str  # one of VERDICTS
    confidence: float  # probability of the label
    probabilities: dict[str, float]
    features: dict[str, float]
    evidence: list[VerdictEvidence]  # the checked units, most important first
    calibration: str
    forward_passes: int
    seconds: float
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@torch.inference_mode()
def verdict_features(
    explainer: Explainer, evidence_text: str, question: str, answer: str
) -> tuple[dict[str, float], int]:
    """The FEATURES of ``answer`` checked against ``evidence_text`` and the passes they took."""
    model, tok = explainer.model, explainer.tokenizer
    vq = verification_question(question, answer)

    def ce(document: str, q: str, a: str) -> torch.Tensor:
        return base_pass(model, build_prompt(tok, document, q, a)).base_ce

    # Sum over a reply's tokens: a log-probability of the whole reply.
    logp = [-float(ce(evidence_text, vq, REPLIES[v]).sum()) for v in VERDICTS]
    norm = torch.logsumexp(torch.tensor(logp), 0).item()
    features = {f"reply_{v}": lp - norm for v, lp in zip(VERDICTS, logp, strict=True)}
    grounding = (
        ce(EMPTY_DOCUMENT, question, answer).mean() - ce(evidence_text, question, answer).mean()
    )
    features["grounding"] = float(grounding)
    return features, len(VERDICTS) + 2


def verify(
    explainer: Explainer,
    text: str,
    units: list[Span],
    ranking: list[int],
    question: str,
    answer: str,
    *,
    calibration: Calibration = UNCALIBRATED,
    k: int = VERIFY_UNITS,
    explain: bool = True,
    deadline: float | None = None,
) -> Verdict:
    """The verdict on ``answer`` to ``question``, checked against the ``k`` first units of
    ``ranking`` (indices into ``units``). ``explain``: run AtMan over those units for the
    chosen reply (k + 1 passes); without it the evidence keeps ``ranking``'s order, score 0."""
    t0 = time.perf_counter()
    if not ranking:
        raise InvalidInputError("a verdict needs at least one evidence unit")
    checked = [units[i] for i in ranking[:k]]
    chosen = sorted(checked)  # the window reads them in document order
    window, inner = join_spans(text, chosen)
    check_deadline(deadline)
    features, passes = verdict_features(explainer, window, question, answer)
    probs = calibration.probabilities(features)
    label = max(VERDICTS, key=lambda v: probs[v])
    evidence = [VerdictEvidence(s, e, 0.0) for s, e in checked]
    if explain and len(chosen) > 1:
        check_deadline(deadline)
        why = explainer.explain(
            window,
            verification_question(question, answer),
            answer=REPLIES[label],
            units=inner,
            unit_label="verdict evidence",
            deadline=deadline,
        )
        passes += why.forward_passes
        scored = sorted(zip(chosen, why.units, strict=True), key=lambda p: p[1].score, reverse=True)
        evidence = [VerdictEvidence(s, e, float(u.score)) for (s, e), u in scored]
    return Verdict(
        label=label,
        confidence=probs[label],
        probabilities=probs,
        features=features,
        evidence=evidence,
        calibration=calibration.name,
        forward_passes=passes,
        seconds=time.perf_counter() - t0,
    )
