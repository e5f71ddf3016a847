"""A document longer than the context budget is narrowed to relevant chunks, never a crash."""

from __future__ import annotations

import pytest

from explain_engine import AtmanConfig, Explainer
from explain_engine.config import CONTEXT_BUDGET_MAX, CONTEXT_BUDGET_MIN, CPU_CONTEXT_BUDGET
from explain_engine.errors import InvalidInputError
from ingest.segment import chunk_spans
from tests.conftest import EXAMPLE_TXT

TEXT = EXAMPLE_TXT.read_text()


def test_long_document_is_narrowed_to_relevant_chunks(tiny):
    narrow = Explainer(loaded=tiny.loaded, config=AtmanConfig(context_budget_tokens=200))
    result = narrow.explain(TEXT, "What is the pay per hour?", answer="28.50 GBP per hour")
    assert result.explained_spans  # says which chunks were explained
    explained = "".join(TEXT[s:e] for s, e in result.explained_spans)
    assert "28.50 GBP per hour" in explained  # BM25 kept the pay clause
    assert len(result.explained_spans) < len(chunk_spans(TEXT))
    for u in result.units:
        assert any(s <= u.start and u.end <= e for s, e in result.explained_spans)


def test_whole_document_when_it_fits(tiny):
    result = tiny.explain(TEXT, "What is the pay per hour?", answer="28.50 GBP")
    assert result.explained_spans is None


def test_very_long_document_does_not_crash(tiny):
    long_text = "\n\n".join([TEXT] * 12)  # ~8k tokens, over the 2048-token budget
    result = tiny.explain(long_text, "What is the pay per hour?", answer="28.50 GBP")
    assert result.explained_spans
    assert result.stats["sequence_length"] <= 2048 + 200


def test_caller_units_are_narrowed_whole(tiny):
    # Units that do not follow paragraph boundaries (fixed windows, as in the CUAD bench) must
    # still be explained: narrowing picks among the units themselves.
    windows = [(s, min(s + 300, len(TEXT))) for s in range(0, len(TEXT), 300)]
    windows = [(s, e) for s, e in windows if TEXT[s:e].strip()]
    narrow = Explainer(loaded=tiny.loaded, config=AtmanConfig(context_budget_tokens=250))
    result = narrow.explain(TEXT, "What is the pay per hour?", answer="28.50 GBP", units=windows)
    assert result.explained_spans and len(result.units) == len(result.explained_spans)
    assert {(u.start, u.end) for u in result.units} <= set(windows)


def test_budget_follows_the_device_and_the_result_says_which(tiny):
    assert tiny.model.device.type == "cpu"
    result = tiny.explain(TEXT, "What is the pay per hour?", answer="28.50 GBP")
    assert result.stats["context_budget"] == min(CPU_CONTEXT_BUDGET, tiny.max_context)
    set_by_hand = Explainer(loaded=tiny.loaded, config=AtmanConfig(context_budget_tokens=300))
    narrowed = set_by_hand.explain(TEXT, "What is the pay per hour?", answer="28.50 GBP")
    assert narrowed.stats["context_budget"] == 300 and narrowed.explained_spans


@pytest.mark.parametrize("budget", [CONTEXT_BUDGET_MIN - 1, CONTEXT_BUDGET_MAX + 1])
def test_budget_out_of_range_is_refused(budget):
    with pytest.raises(InvalidInputError, match="context budget must be in"):
        AtmanConfig(context_budget_tokens=budget)
