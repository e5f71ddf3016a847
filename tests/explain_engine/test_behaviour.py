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


def test_answer_cut_by_the_token_limit_ends_at_a_full_sentence(explainer):
    # The bundled model rambles on this question until the 64-token limit cuts it mid-sentence.
    question = "How much notice must be given after probation?"
    result = explainer.explain(TEXT, question, granularity="paragraph")
    assert result.answer_source == "generated" and result.answer_trimmed
    assert result.answer.endswith((".", "!", "?")), result.answer
    # The explained answer is the trimmed one.
    assert "".join(result.answer_tokens).replace("Ġ", " ").strip().endswith(".")
    # Greedy decoding: 12 tokens are the start of the longer answer; with no full sentence in
    # them the cut is at a word boundary of that answer, never mid-word.
    short = explainer.generate(TEXT, question, max_new_tokens=12)
    assert short.trimmed and len(short.text.split()) >= 2
    assert result.answer.startswith(short.text) and result.answer[len(short.text)] == " "


def test_answer_that_ends_by_itself_is_not_trimmed(explainer):
    generated = explainer.generate(TEXT, "How many days of paid holiday per year?")
    assert not generated.trimmed and generated.text.endswith(".")
