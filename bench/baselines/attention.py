"""Raw attention: the attention the answer-predicting positions pay to a unit's tokens,
averaged over layers, heads and answer positions (one forward pass).

A capturing attention function, registered like the engine's own, computes the softmax rows of
the answer positions only (not the whole L x L matrix) and hands the rest to plain SDPA.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import AttentionInterface, AttentionMaskInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import sdpa_mask

from bench.baselines.base import Attribution
from bench.baselines.prompt_tokens import case_prompt, sum_over_units
from bench.data.case import Case
from explain_engine import Explainer

CAPTURE = "attention_capture"


def capture_attention(module, query, key, value, attention_mask, scaling=None, capture=None, **kw):
    if capture is not None:
        rows = capture["rows"]
        n_rep = query.shape[1] // key.shape[1]
        k = key.repeat_interleave(n_rep, dim=1) if n_rep > 1 else key
        scale = scaling if scaling is not None else query.shape[-1] ** -0.5
        scores = (query[:, :, -rows:] @ k.transpose(-1, -2)).float() * scale  # (1, H, rows, L)
        # The last `rows` queries see every key but their own successors.
        length = k.shape[2]
        q_pos = torch.arange(length - rows, length, device=query.device)[:, None]
        allowed = torch.arange(length, device=query.device)[None, :] <= q_pos
        probs = scores.masked_fill(~allowed, float("-inf")).softmax(-1)
        capture["sum"] = capture.get("sum", 0) + probs.mean(1)[0]  # (rows, L), mean over heads
        capture["layers"] = capture.get("layers", 0) + 1
    return sdpa_attention_forward(module, query, key, value, attention_mask, scaling=scaling, **kw)


AttentionInterface.register(CAPTURE, capture_attention)
AttentionMaskInterface.register(CAPTURE, sdpa_mask)


@dataclass
class RawAttention:
    name: str = "attention"

    def settings(self) -> dict:
        return {}

    @torch.inference_mode()
    def attribute(self, explainer: Explainer, case: Case) -> Attribution:
        prompt = case_prompt(explainer, case)
        model = explainer.model
        rows = len(prompt.answer_ids)  # positions answer_start - 1 .. L - 2 predict the answer
        capture: dict = {"rows": rows + 1}
        previous = model.config._attn_implementation
        model.set_attn_implementation(CAPTURE)
        try:
            model(
                input_ids=prompt.input_ids.to(model.device),
                use_cache=False,
                logits_to_keep=1,
                capture=capture,
            )
        finally:
            model.set_attn_implementation(previous)
        attn = capture["sum"][:-1] / capture["layers"]  # drop the last row: it predicts nothing
        token = attn.mean(0).cpu()
        ranges = prompt.token_ranges(case.units)
        return Attribution(scores=sum_over_units(token, ranges), forward_passes=1)
