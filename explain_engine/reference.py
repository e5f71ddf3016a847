"""The naive AtMan reference: n + 1 full passes, batch 1, fp32, scores changed explicitly.

Kept beside the fast path (nanoGPT keeps manual attention beside flash attention) for the
equivalence tests and as the baseline of `docqa bench speed`. Shares no code with the fast path
except the definition of the suppression factors: its own attention function materialises the
score matrix, applies the suppression to it, and uses no cache and full-length logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from transformers import AttentionInterface, AttentionMaskInterface, PreTrainedModel
from transformers.masking_utils import sdpa_mask

REFERENCE = "atman_reference"


def reference_attention(
    module,
    query,
    key,
    value,
    attention_mask,
    dropout=0.0,
    scaling=None,
    reference_factors=None,
    reference_mode="log_additive",
    reference_rows_from=0,
    **kwargs,
):
    # query (1, H, L, d); key/value (1, H_kv, L, d); no cache, so keys are positions 0..L-1.
    n_rep = query.shape[1] // key.shape[1]
    key = key.repeat_interleave(n_rep, dim=1)
    value = value.repeat_interleave(n_rep, dim=1)
    scaling = scaling if scaling is not None else query.shape[-1] ** -0.5
    length = key.shape[2]
    scores = (query @ key.transpose(-1, -2)) * scaling  # (1, H, L, L)
    if kwargs.get("softcap") is not None:
        scores = torch.tanh(scores / kwargs["softcap"]) * kwargs["softcap"]
    causal = torch.ones(length, length, dtype=torch.bool, device=query.device).tril()
    if reference_factors is not None:
        f = reference_factors.to(scores.device)  # (L,)
        if reference_mode == "log_additive":
            bias = torch.where(f > 0, torch.log(f.clamp_min(1e-30)), torch.full_like(f, -1e4))
            changed = scores + bias.clamp_min(-1e4)
        else:
            row_min = scores.masked_fill(~causal, float("inf")).amin(-1, keepdim=True)
            changed = (scores - row_min) * f
        # Only the query rows from reference_rows_from on are suppressed (DESIGN 1.7).
        suppressed = torch.arange(length, device=query.device) >= reference_rows_from
        scores = torch.where(suppressed[:, None], changed, scores)
    scores = scores.masked_fill(~causal, float("-inf"))
    out = torch.softmax(scores, dim=-1) @ value
    return out.transpose(1, 2).contiguous(), None


AttentionInterface.register(REFERENCE, reference_attention)
AttentionMaskInterface.register(REFERENCE, sdpa_mask)


def _answer_ce(
    model: PreTrainedModel, input_ids: torch.Tensor, answer_start: int, **kw
) -> torch.Tensor:
    logits = model(input_ids=input_ids, use_cache=False, **kw).logits.float()  # (1, L, V)
    pred = logits[0, answer_start - 1 : -1]
    return F.cross_entropy(pred, input_ids[0, answer_start:], reduction="none")  # (T,)


@torch.inference_mode()
def naive_scores(
    model: PreTrainedModel,
    input_ids: torch.Tensor,
    answer_start: int,
    factors: torch.Tensor,
    mode: str,
    rows_from: int = 0,
) -> torch.Tensor:
    """(n_units, T) CE increase per answer token, one full pass per unit.

    ``rows_from``: first query position whose attention is suppressed (0: the full scope).
    """
    previous = model.config._attn_implementation
    model.set_attn_implementation(REFERENCE)
    try:
        ids = input_ids.to(next(model.parameters()).device)
        base = _answer_ce(model, ids, answer_start)
        rows = [
            _answer_ce(
                model,
                ids,
                answer_start,
                reference_factors=f,
                reference_mode=mode,
                reference_rows_from=rows_from,
            )
            - base
            for f in factors
        ]
    finally:
        model.set_attn_implementation(previous)
    return torch.stack(rows).cpu()
