"""The three-way verdict (DESIGN 1.8): calibration arithmetic, and the verification stage on the
bundled model and on tiny models of other architectures."""

from __future__ import annotations

import json
import math

import pytest

from explain_engine.errors import InvalidInputError
from explain_engine.verdict import (
    BUNDLED_CALIBRATION,
    FEATURES,
    UNCALIBRATED,
    VERDICTS,
    VERIFY_UNITS,
    Calibration,
    verify,
)
from ingest.segment import chunk_spans
from tests.conftest import EXAMPLE_TXT

TEXT = EXAMPLE_TXT.read_text()
UNITS = chunk_spans(TEXT)
PAY = next(i for i, (s, _) in enumerate(UNITS) if TEXT[s:].startswith("5. Pay."))


def test_uncalibrated_is_the_softmax_of_the_reply_log_probabilities():
    features = {"reply_supported": -0.1, "reply_contradicted": -2.5, "reply_not_in_document": -3}
    probs = UNCALIBRATED.probabilities({**features, "grounding": 5.0})
    total = sum(math.exp(v) for v in features.values())
    for v in VERDICTS:
        assert probs[v] == pytest.approx(math.exp(features[f"reply_{v}"]) / total)


def test_calibration_file_round_trip_and_errors(tmp_path):
    path = tmp_path / "verdict.json"
    path.write_text(json.dumps({"calibration": BUNDLED_CALIBRATION.to_dict()}))
    assert Calibration.load(path) == BUNDLED_CALIBRATION
    path.write_text(json.dumps({"coef": [[1.0] * len(FEATURES)] * 2, "intercept": [0, 0]}))
    with pytest.raises(InvalidInputError, match="3 rows"):
        Calibration.load(path)
    path.write_text("{not json")
    with pytest.raises(InvalidInputError, match="unreadable verdict calibration"):
        Calibration.load(path)


def test_verdict_on_the_example_contract(explainer):
    # The pay clause ranked first: the verdict checks the answer against it and two neighbours,
    # and AtMan ranks those units by how much the chosen reply rests on each.
    ranking = [PAY] + [i for i in range(len(UNITS)) if i != PAY]
    verdict = verify(
        explainer,
        TEXT,
        UNITS,
        ranking,
        "What is the pay per hour?",
        "28.50 GBP per hour",
        calibration=BUNDLED_CALIBRATION,
    )
    assert verdict.label in VERDICTS
    assert sum(verdict.probabilities.values()) == pytest.approx(1.0)
    assert verdict.confidence == max(verdict.probabilities.values())
    assert set(verdict.features) == set(FEATURES)
    # The evidence holds the checked units, most important first.
    assert {(e.start, e.end) for e in verdict.evidence} == {
        UNITS[i] for i in ranking[:VERIFY_UNITS]
    }
    scores = [e.score for e in verdict.evidence]
    assert scores == sorted(scores, reverse=True) and any(s != 0 for s in scores)
    # Three replies, the answer with and without the evidence, then AtMan (k units + 1).
    assert verdict.forward_passes == 3 + 2 + VERIFY_UNITS + 1
    # Grounding: the pay clause lowers the answer's cross-entropy a lot against no document.
    assert verdict.features["grounding"] > 1.0


def test_grounding_tells_the_right_clause_from_an_unrelated_one(explainer):
    question, answer = "What is the pay per hour?", "28.50 GBP per hour"
    other = next(i for i, (s, _) in enumerate(UNITS) if TEXT[s:].startswith("7. Sickness."))
    right = verify(explainer, TEXT, UNITS, [PAY], question, answer, k=1, explain=False)
    wrong = verify(explainer, TEXT, UNITS, [other], question, answer, k=1, explain=False)
    assert right.features["grounding"] > wrong.features["grounding"] + 1.0
    assert right.forward_passes == wrong.forward_passes == 5  # no AtMan without explain


def test_any_architecture_gives_a_verdict(tiny):
    verdict = verify(tiny, TEXT, UNITS, list(range(len(UNITS))), "What is the pay?", "28.50 GBP")
    assert verdict.label in VERDICTS
    assert sum(verdict.probabilities.values()) == pytest.approx(1.0)
    assert len(verdict.evidence) == VERIFY_UNITS


def test_a_verdict_needs_evidence(explainer):
    with pytest.raises(InvalidInputError, match="at least one evidence unit"):
        verify(explainer, TEXT, UNITS, [], "What is the pay?", "28.50 GBP")
