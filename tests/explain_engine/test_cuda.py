"""The engine on a CUDA GPU: the fast path equals the naive reference there too, and its scores
equal the CPU's. Skipped where no GPU is present (CI has none); run on a lent GPU machine."""

from __future__ import annotations

import pytest
import torch

from explain_engine import AtmanConfig, Explainer
from explain_engine.atman import atman_scores, suppression_factors
from explain_engine.model_loading import LoadedModel
from explain_engine.prompt import build_prompt
from explain_engine.reference import naive_scores
from ingest.segment import sentence_spans
from tests.conftest import EXAMPLE_TXT
from tests.explain_engine.conftest import CONFIGS, tiny_model

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")

# fp32 on the GPU reorders sums (other kernels, other block sizes): a little looser than CPU's 1e-4.
TOL = 2e-4
QUESTION, ANSWER = "What is the pay per hour?", "28.50 GBP per hour"


@pytest.fixture(autouse=True)
def _exact_fp32():
    # TF32 would round matrix products to 10 mantissa bits: not the arithmetic under test.
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def _text(paragraphs: int) -> str:
    return "\n\n".join(EXAMPLE_TXT.read_text().split("\n\n")[:paragraphs])


def _scores(explainer: Explainer, text: str, spans, mode: str):
    config = AtmanConfig(mode=mode, max_batch_rows=3, max_waste=1.0)
    prompt = build_prompt(explainer.tokenizer, text, QUESTION, ANSWER)
    factors = suppression_factors(prompt, prompt.token_ranges(spans), config.control_factor)
    fast = atman_scores(explainer.model, prompt, factors, config)
    naive = naive_scores(explainer.model, prompt.input_ids, prompt.answer_start, factors, mode)
    return fast.per_token.float().cpu(), naive.float().cpu(), fast


@pytest.mark.parametrize("arch", sorted(CONFIGS))
@pytest.mark.parametrize("mode", ["log_additive", "multiplicative"])
def test_fast_matches_naive_and_cpu_on_tiny_models(tokenizer, arch, mode):
    text = _text(9)
    spans = sentence_spans(text)
    results = {}
    for device in ("cpu", "cuda"):
        model = tiny_model(arch).to(device)
        loaded = LoadedModel(model=model, tokenizer=tokenizer, name=f"tiny-{arch}")
        results[device] = _scores(Explainer(loaded=loaded), text, spans, mode)
    fast, naive, run = results["cuda"]
    assert run.batches < len(spans)  # really batched on the GPU
    assert torch.allclose(fast, naive, atol=TOL, rtol=0), (fast - naive).abs().max()
    assert torch.allclose(fast, results["cpu"][0], atol=TOL, rtol=0)
    assert naive.abs().max() > 1e-3  # suppression matters, so the comparison means something


@pytest.fixture(scope="module")
def bundled_cuda() -> Explainer:
    return Explainer(device="cuda", dtype="float32")


def test_bundled_model_on_cuda_equals_naive_and_cpu(explainer, bundled_cuda):
    text = _text(5)
    spans = sentence_spans(text)
    fast, naive, _ = _scores(bundled_cuda, text, spans, "log_additive")
    cpu, _, _ = _scores(explainer, text, spans, "log_additive")
    assert torch.allclose(fast, naive, atol=TOL, rtol=0), (fast - naive).abs().max()
    assert torch.allclose(fast, cpu, atol=TOL, rtol=0), (fast - cpu).abs().max()


def test_explain_on_cuda_finds_the_pay_clause_in_bf16(explainer):
    # dtype "auto" on a GPU is bf16: rounding moves the scores, not the evidence.
    gpu = Explainer(device="cuda")
    assert gpu.model.dtype == torch.bfloat16
    text = EXAMPLE_TXT.read_text()
    on_gpu = gpu.explain(text, QUESTION, answer=ANSWER)
    on_cpu = explainer.explain(text, QUESTION, answer=ANSWER)
    best = max(on_gpu.units, key=lambda u: u.score)
    assert "28.50" in text[best.start : best.end]
    assert best.index == max(on_cpu.units, key=lambda u: u.score).index
    generated = gpu.explain(text, QUESTION)  # generation on the GPU too
    assert generated.answer_source == "generated" and generated.answer.strip()
