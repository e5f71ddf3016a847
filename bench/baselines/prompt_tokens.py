"""Token-level helpers shared by the baselines: the prompt of a case and its unit token ranges."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from bench.data.case import Case
from explain_engine import Explainer
from explain_engine.prompt import PromptInput, build_prompt


def case_prompt(explainer: Explainer, case: Case, text: str | None = None) -> PromptInput:
    return build_prompt(
        explainer.tokenizer, case.text if text is None else text, case.question, case.answer
    )


def answer_log_probs(logits: torch.Tensor, prompt: PromptInput) -> torch.Tensor:
    """(B, T) log p(a_t | ...) from logits (B, T + 1, V) kept at the answer positions."""
    logp = F.log_softmax(logits[:, :-1].float(), dim=-1)
    ids = prompt.answer_ids.to(logits.device).expand(logits.shape[0], -1)
    return logp.gather(-1, ids[..., None])[..., 0]


@torch.inference_mode()
def answer_ce(explainer: Explainer, case: Case, text: str) -> float:
    """Mean CE of the answer tokens given ``text`` as the document (one forward pass)."""
    prompt = case_prompt(explainer, case, text)
    keep = len(prompt.answer_ids) + 1
    ids = prompt.input_ids.to(explainer.model.device)
    logits = explainer.model(input_ids=ids, use_cache=False, logits_to_keep=keep).logits
    return float(-answer_log_probs(logits, prompt).mean())


def sum_over_units(token_scores: torch.Tensor, ranges: list[tuple[int, int]]) -> list[float]:
    """Per-unit sum of per-position scores (positions are absolute prompt positions)."""
    return [float(token_scores[s:e].sum()) for s, e in ranges]
