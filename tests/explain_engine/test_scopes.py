"""Suppression scopes (DESIGN 1.7): the answer-side fast path equals the naive reference with
the same scope to 1e-4; the two-stage path returns exact full-scope scores for the units it
verified and says which those are."""

from __future__ import annotations

import pytest
import torch

from explain_engine import AtmanConfig, InvalidInputError
from explain_engine.atman import atman_scores, rows_from, suppression_factors
from explain_engine.attention import Suppression
from explain_engine.config import ANSWER_SIDE, FULL, TWO_STAGE
from explain_engine.prompt import build_prompt
from explain_engine.reference import naive_scores
from explain_engine.two_stage import two_stage_scores
from ingest.segment import chunk_spans, sentence_spans
from tests.conftest import EXAMPLE_TXT

TOL = 1e-4
QUESTION, ANSWER = "What is the pay per hour?", "28.50 GBP per hour"


def _short_contract(paragraphs: int) -> str:
    return "\n\n".join(EXAMPLE_TXT.read_text().split("\n\n")[:paragraphs])


def _setup(explainer, text, spans, question=QUESTION, answer=ANSWER, kappa=None):
    prompt = build_prompt(explainer.tokenizer, text, question, answer)
    factors = suppression_factors(
        prompt,
        prompt.token_ranges(spans),
        AtmanConfig().control_factor,
        kappa,
        explainer.model.get_input_embeddings().weight,
    )
    return prompt, factors


def _naive(explainer, prompt, factors, mode, scope):
    return naive_scores(
        explainer.model,
        prompt.input_ids,
        prompt.answer_start,
        factors,
        mode,
        rows_from=rows_from(prompt, scope),
    )


@pytest.mark.parametrize("mode", ["log_additive", "multiplicative"])
def test_answer_side_fast_matches_naive_on_tiny_architectures(tiny, mode):
    text = _short_contract(9)
    spans = sentence_spans(text)
    config = AtmanConfig(mode=mode, max_batch_rows=3)
    prompt, factors = _setup(tiny, text, spans)
    fast = atman_scores(tiny.model, prompt, factors, config, scope=ANSWER_SIDE)
    naive = _naive(tiny, prompt, factors, mode, ANSWER_SIDE)
    assert fast.per_token.shape == naive.shape == (len(spans), naive.shape[1])
    assert torch.allclose(fast.per_token, naive, atol=TOL, rtol=0), (
        (fast.per_token - naive).abs().max()
    )
    assert naive.abs().max() > 1e-3  # suppression changes the answer's CE
    # It is a different intervention from the full scope.
    full = _naive(tiny, prompt, factors, mode, FULL)
    assert (full - naive).abs().max() > 1e-3


def test_answer_side_with_correlated_suppression(tiny):
    text = _short_contract(6)
    spans = chunk_spans(text)
    prompt, factors = _setup(tiny, text, spans, "Who is the employer?", "Northwind", kappa=0.5)
    fast = atman_scores(tiny.model, prompt, factors, AtmanConfig(kappa=0.5), scope=ANSWER_SIDE)
    naive = _naive(tiny, prompt, factors, "log_additive", ANSWER_SIDE)
    assert torch.allclose(fast.per_token, naive, atol=TOL, rtol=0)


@pytest.mark.parametrize("mode", ["log_additive", "multiplicative"])
def test_answer_side_fast_matches_naive_on_bundled_model(explainer, mode):
    text = _short_contract(5)
    spans = sentence_spans(text)
    prompt, factors = _setup(explainer, text, spans, "Where does the employee work?", "In Leeds")
    fast = atman_scores(
        explainer.model,
        prompt,
        factors,
        AtmanConfig(mode=mode, max_batch_rows=4),
        scope=ANSWER_SIDE,
    )
    naive = _naive(explainer, prompt, factors, mode, ANSWER_SIDE)
    assert torch.allclose(fast.per_token, naive, atol=TOL, rtol=0), (
        (fast.per_token - naive).abs().max()
    )
    assert naive.abs().max() > 1e-3


def test_answer_side_costs_only_the_rows_after_the_document(explainer):
    text = _short_contract(5)
    spans = sentence_spans(text)
    prompt, factors = _setup(explainer, text, spans)
    config = AtmanConfig(max_batch_rows=4)
    answer_side = atman_scores(explainer.model, prompt, factors, config, scope=ANSWER_SIDE)
    full = atman_scores(explainer.model, prompt, factors, config, scope=FULL)
    length, doc_end = prompt.length, prompt.doc_tokens[1]
    # Every unit restarts at the document's end: no waste in any batch.
    assert answer_side.token_passes == length + len(spans) * (length - doc_end)
    assert answer_side.forward_passes == full.forward_passes == len(spans) + 1
    assert answer_side.token_passes < full.token_passes / 3


@pytest.mark.parametrize("mode", ["log_additive", "multiplicative"])
def test_suppressed_rows_respected_inside_a_pass(tiny, mode):
    """The attention function honours rows_from for rows it computes itself (no restart)."""
    text = _short_contract(4)
    prompt, factors = _setup(tiny, text, sentence_spans(text))
    first = rows_from(prompt, ANSWER_SIDE)
    ids = prompt.input_ids
    with torch.inference_mode():
        out = tiny.model(
            input_ids=ids.expand(2, -1),
            atman_suppression=Suppression(mode, factors[:2], rows_from=first),
        ).logits[:, prompt.answer_start - 1 : -1]
    ce = torch.nn.functional.cross_entropy(
        out.float().reshape(-1, out.shape[-1]),
        prompt.answer_ids.repeat(2),
        reduction="none",
    ).view(2, -1)
    naive = _naive(tiny, prompt, factors[:2], mode, ANSWER_SIDE)
    fast = atman_scores(tiny.model, prompt, factors[:2], AtmanConfig(mode=mode), scope=ANSWER_SIDE)
    assert naive.abs().max() > 1e-3
    assert torch.allclose(ce - fast.base_ce, naive, atol=TOL, rtol=0)


def test_two_stage_verifies_the_screened_top_exactly(explainer):
    text = _short_contract(8)
    spans = sentence_spans(text)
    prompt, factors = _setup(explainer, text, spans)
    config = AtmanConfig(scope=TWO_STAGE, verify_k=3, max_batch_rows=4)
    two = two_stage_scores(explainer.model, prompt, factors, config)
    screen = atman_scores(explainer.model, prompt, factors, config, scope=ANSWER_SIDE)
    full = naive_scores(
        explainer.model, prompt.input_ids, prompt.answer_start, factors, "log_additive"
    )
    assert two.verified == torch.topk(screen.scores, 3).indices.tolist()
    for i in range(len(spans)):
        expected = full[i] if i in two.verified else screen.per_token[i]
        assert torch.allclose(two.per_token[i], expected, atol=TOL, rtol=0), i
    starts = [ts for ts, _ in prompt.token_ranges(spans)]
    length, doc_end = prompt.length, prompt.doc_tokens[1]
    floor = length + len(spans) * (length - doc_end) + sum(length - starts[i] for i in two.verified)
    assert floor <= two.token_passes <= floor * 1.15 + length
    assert two.forward_passes == 1 + len(spans) + 3


def test_two_stage_result_ranks_verified_units_first(explainer):
    text = _short_contract(8)
    result = explainer.explain(
        text, QUESTION, answer=ANSWER, granularity="sentence", scope=TWO_STAGE, verify_k=2
    )
    verified = [u for u in result.units if u.verified]
    assert len(verified) == 2
    assert {u.index for u in result.top(2)} == {u.index for u in verified}
    assert result.method["scope"] == TWO_STAGE and result.method["verify_k"] == 2
    # The pay sentence is found and its score is exact AtMan's.
    full = explainer.explain(text, QUESTION, answer=ANSWER, granularity="sentence")
    assert all(u.verified for u in full.units) and full.method["scope"] == FULL
    assert result.top(1)[0].index == full.top(1)[0].index
    assert "28.50" in text[result.top(1)[0].start : result.top(1)[0].end]
    assert abs(result.top(1)[0].score - full.top(1)[0].score) < TOL
    assert result.stats["token_passes"] < full.stats["token_passes"]
    answer_side = explainer.explain(
        text, QUESTION, answer=ANSWER, granularity="sentence", scope=ANSWER_SIDE
    )
    assert not any(u.verified for u in answer_side.units)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"scope": "rows"}, "unknown scope"),
        ({"verify_k": 0}, "verify_k"),
        ({"verify_k": 65}, "verify_k"),
    ],
)
def test_bad_scope_options_are_refused(explainer, options, message):
    with pytest.raises(InvalidInputError, match=message):
        explainer.explain("Some text.", QUESTION, answer="x", **options)
