"""The fast path (SDPA bias, shared prefix cache, batches, answer-only logits) equals the
naive reference (n + 1 full fp32 passes, explicit scores) to 1e-4 on every unit."""

from __future__ import annotations

import pytest
import torch

from explain_engine import AtmanConfig
from explain_engine.atman import atman_scores, suppression_factors
from explain_engine.prompt import build_prompt
from explain_engine.reference import naive_scores
from ingest.segment import chunk_spans, sentence_spans
from tests.conftest import EXAMPLE_TXT

TOL = 1e-4


def _short_contract(paragraphs: int) -> str:
    return "\n\n".join(EXAMPLE_TXT.read_text().split("\n\n")[:paragraphs])


def _compare(explainer, text, spans, question, answer, config: AtmanConfig):
    prompt = build_prompt(explainer.tokenizer, text, question, answer)
    factors = suppression_factors(
        prompt,
        prompt.token_ranges(spans),
        config.control_factor,
        config.kappa,
        explainer.model.get_input_embeddings().weight,
    )
    fast = atman_scores(explainer.model, prompt, factors, config)
    naive = naive_scores(
        explainer.model, prompt.input_ids, prompt.answer_start, factors, config.mode
    )
    return fast, naive


@pytest.mark.parametrize("mode", ["log_additive", "multiplicative"])
def test_fast_matches_naive_on_tiny_architectures(tiny, mode):
    text = _short_contract(9)
    spans = sentence_spans(text)
    config = AtmanConfig(mode=mode, max_batch_rows=3, max_waste=1.0)
    fast, naive = _compare(tiny, text, spans, "What is the pay per hour?", "28.50 GBP", config)
    assert fast.per_token.shape == naive.shape == (len(spans), naive.shape[1])
    assert fast.batches < len(spans)  # really batched
    assert torch.allclose(fast.per_token, naive, atol=TOL, rtol=0), (
        (fast.per_token - naive).abs().max()
    )
    # The comparison means something only if suppression changes the answer's CE.
    assert naive.abs().max() > 1e-3


def test_fast_matches_naive_with_correlated_suppression(tiny):
    text = _short_contract(6)
    spans = chunk_spans(text)
    config = AtmanConfig(kappa=0.5, max_batch_rows=2)
    fast, naive = _compare(tiny, text, spans, "Who is the employer?", "Northwind", config)
    assert torch.allclose(fast.per_token, naive, atol=TOL, rtol=0)


@pytest.mark.parametrize("mode", ["log_additive", "multiplicative"])
def test_fast_matches_naive_on_bundled_model(explainer, mode):
    text = _short_contract(5)
    spans = sentence_spans(text)
    config = AtmanConfig(mode=mode, max_batch_rows=4)
    fast, naive = _compare(
        explainer, text, spans, "Where does the employee work?", "In Leeds", config
    )
    assert torch.allclose(fast.per_token, naive, atol=TOL, rtol=0), (
        (fast.per_token - naive).abs().max()
    )
    assert fast.forward_passes == len(spans) + 1


def test_correlated_suppression_reaches_similar_tokens(explainer):
    text = _short_contract(6)
    spans = chunk_spans(text)
    prompt = build_prompt(explainer.tokenizer, text, "Who?", "Jane")
    ranges = prompt.token_ranges(spans)
    emb = explainer.model.get_input_embeddings().weight
    plain = suppression_factors(prompt, ranges, 0.0)
    correlated = suppression_factors(prompt, ranges, 0.0, kappa=0.6, embeddings=emb)
    # The unit itself is fully suppressed either way; kappa adds tokens outside it.
    for i, (ts, te) in enumerate(ranges):
        assert torch.all(correlated[i, ts:te] == 0.0)
    assert (correlated < 1).sum() > (plain < 1).sum()
    assert torch.all(correlated <= plain)
