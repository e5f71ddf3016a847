"""Input x gradient: (embedding . d log p(answer) / d embedding), summed over a unit's tokens."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from bench.baselines.base import Attribution
from bench.baselines.prompt_tokens import answer_log_probs, case_prompt, sum_over_units
from bench.data.case import Case
from explain_engine import Explainer


def answer_logp_gradient(
    explainer: Explainer, case: Case, embeds: torch.Tensor, prompt
) -> torch.Tensor:
    """Gradient of the mean answer log-prob with respect to ``embeds`` (B, L, h), one backward."""
    keep = len(prompt.answer_ids) + 1
    embeds = embeds.detach().requires_grad_(True)
    with torch.enable_grad():
        logits = explainer.model(inputs_embeds=embeds, use_cache=False, logits_to_keep=keep).logits
        answer_log_probs(logits, prompt).mean(dim=1).sum().backward()
    return embeds.grad


@dataclass
class InputXGradient:
    name: str = "input_x_gradient"

    def settings(self) -> dict:
        return {}

    def attribute(self, explainer: Explainer, case: Case) -> Attribution:
        prompt = case_prompt(explainer, case)
        ids = prompt.input_ids.to(explainer.model.device)
        emb = explainer.model.get_input_embeddings()(ids).detach()
        grad = answer_logp_gradient(explainer, case, emb, prompt)
        token = (grad * emb).sum(-1)[0].float().cpu()
        ranges = prompt.token_ranges(case.units)
        return Attribution(
            scores=sum_over_units(token, ranges), forward_passes=1, backward_passes=1
        )
