"""What the bundled model's explanations say about the example contract."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLE_TXT

TEXT = EXAMPLE_TXT.read_text()
PAY_CLAUSE = "5. Pay. The Employee is paid 28.50 GBP per hour worked."


@pytest.mark.parametrize("mode", ["log_additive", "multiplicative"])
def test_pay_clause_is_the_top_evidence(explainer, mode):
    result = explainer.explain(
        TEXT, "What is the pay per hour?", answer="28.50 GBP per hour", mode=mode
    )
    top = result.top(1)[0]
    assert TEXT[top.start : top.end].startswith(PAY_CLAUSE)
    assert result.supported
    assert result.method["mode"] == mode
    assert result.forward_passes == len(result.units) + 1


def test_generated_answer_is_explained(explainer):
    result = explainer.explain(TEXT, "How many days of paid holiday per year?")
    assert result.answer_source == "generated"
    assert "25" in result.answer
    top = result.top(1)[0]
    assert TEXT[top.start : top.end].startswith("6. Holidays.")


def test_question_the_contract_does_not_answer_is_not_supported(explainer):
    result = explainer.explain(TEXT, "How many wheels does a bike have?", answer="Two")
    pay = explainer.explain(TEXT, "What is the pay per hour?", answer="28.50 GBP per hour")
    assert not result.supported
    assert result.best_score < pay.best_score / 3
