"""AtMan's attention manipulation, registered through transformers' attention interface.

Any model whose attention layers dispatch through ``ALL_ATTENTION_FUNCTIONS`` (Llama, Qwen2,
Mistral, Gemma, Phi, GPT-2, ...) runs this function once ``model.set_attn_implementation(ATMAN)``
is set. Which key columns to suppress travels per call as the ``atman_suppression`` keyword of
``model(...)``; without it the function is plain SDPA, so generation is unaffected.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from transformers import AttentionInterface, AttentionMaskInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import sdpa_mask

ATMAN = "atman"
MASKED = -1.0e4  # log(0) stand-in: finite, so no score row becomes all -inf


@dataclass(frozen=True)
class Suppression:
    """Per batch row, per absolute key position: how much attention that key keeps.

    ``factors`` is (B, L) with 1.0 on untouched columns and the control factor c (or the
    correlated factor) on suppressed ones. ``mode`` picks how the factor acts on the scores.
    ``rows_from``: the first absolute query position whose attention is suppressed; 0 for the
    full scope, the end of the document for the answer-side scope (DESIGN 1.7).
    """

    mode: str  # "log_additive" | "multiplicative"
    factors: torch.Tensor  # (B, L), float32
    rows_from: int = 0

    def log_bias(self, k_len: int, dtype: torch.dtype) -> torch.Tensor:
        f = self.factors[:, :k_len]
        bias = torch.where(f > 0, torch.log(f.clamp_min(1e-30)), torch.full_like(f, MASKED))
        return bias.clamp_min(MASKED).to(dtype)  # (B, k)

    def rows(self, q_len: int, k_len: int, device) -> torch.Tensor | None:
        """(1, 1, q, 1) bool: which query rows are suppressed; None = all of them.

        The query block is the last ``q_len`` of the ``k_len`` key positions (cache + input).
        """
        if self.rows_from <= k_len - q_len:
            return None  # the fast path restarts at or after rows_from: every row counts
        q_pos = torch.arange(k_len - q_len, k_len, device=device)
        return (q_pos >= self.rows_from)[None, None, :, None]


def _allowed(attention_mask: torch.Tensor | None, q_len: int, k_len: int, device) -> torch.Tensor:
    """Boolean (B|1, 1, q, k) mask of the keys each query may see."""
    if attention_mask is not None:
        if attention_mask.dtype == torch.bool:
            return attention_mask[..., -k_len:]
        return attention_mask[..., -k_len:] > torch.finfo(attention_mask.dtype).min / 2
    # The query block is the last q_len positions of the k_len keys (cache prefix + input).
    q_pos = torch.arange(k_len - q_len, k_len, device=device)[:, None]
    k_pos = torch.arange(k_len, device=device)[None, :]
    return (k_pos <= q_pos)[None, None]


def _repeat_kv(x: torch.Tensor, n_rep: int) -> torch.Tensor:
    # (B, H_kv, k, d) -> (B, H_kv * n_rep, k, d)
    return x if n_rep == 1 else x.repeat_interleave(n_rep, dim=1)


def explicit_scores_attention(
    query: torch.Tensor,  # (B, H, q, d)
    key: torch.Tensor,  # (B, H_kv, k, d)
    value: torch.Tensor,  # (B, H_kv, k, d)
    allowed: torch.Tensor,  # (B|1, 1, q, k) bool
    scaling: float,
    suppression: Suppression | None,
    softcap: float | None = None,
) -> torch.Tensor:
    """Attention with the score matrix materialised; returns (B, q, H, d)."""
    n_rep = query.shape[1] // key.shape[1]
    key, value = _repeat_kv(key, n_rep), _repeat_kv(value, n_rep)
    scores = torch.matmul(query, key.transpose(-1, -2)) * scaling  # (B, H, q, k)
    if softcap is not None:
        scores = torch.tanh(scores / softcap) * softcap
    q_len, k_len = query.shape[2], key.shape[2]
    plain = scores
    if suppression is not None and suppression.mode == "multiplicative":
        # Paper Eq. 4 as the authors implement it: shift each row by its minimum over the
        # allowed keys first, so that scaling a score always lowers its weight.
        row_min = scores.masked_fill(~allowed, float("inf")).amin(dim=-1, keepdim=True)
        factors = suppression.factors[:, None, None, :k_len].to(scores.dtype)
        scores = (scores - row_min) * factors
    elif suppression is not None:
        scores = scores + suppression.log_bias(k_len, scores.dtype)[:, None, None, :]
    rows = suppression.rows(q_len, k_len, query.device) if suppression is not None else None
    if rows is not None:
        scores = torch.where(rows, scores, plain)
    scores = scores.masked_fill(~allowed, float("-inf"))
    probs = torch.softmax(scores.float(), dim=-1).to(value.dtype)
    return torch.matmul(probs, value).transpose(1, 2).contiguous()


def atman_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    atman_suppression: Suppression | None = None,
    **kwargs,
) -> tuple[torch.Tensor, None]:
    if atman_suppression is None:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    q_len, k_len = query.shape[2], key.shape[2]
    scaling = scaling if scaling is not None else query.shape[-1] ** -0.5
    allowed = _allowed(attention_mask, q_len, k_len, query.device)
    softcap = kwargs.get("softcap")
    if atman_suppression.mode == "multiplicative" or softcap is not None:
        out = explicit_scores_attention(
            query, key, value, allowed, scaling, atman_suppression, softcap
        )
        return out, None
    # log-additive: an additive mask on key columns, so the fused SDPA kernel does the rest.
    bias = atman_suppression.log_bias(k_len, query.dtype)[:, None, None, :]  # (B, 1, 1, k)
    rows = atman_suppression.rows(q_len, k_len, query.device)
    if rows is not None:
        bias = bias * rows  # rows before rows_from attend unchanged
    bias = bias.masked_fill(~allowed, float("-inf"))  # (B, 1, q, k)
    n_rep = query.shape[1] // key.shape[1]
    out = F.scaled_dot_product_attention(
        query, key, value, attn_mask=bias, scale=scaling, enable_gqa=n_rep > 1
    )  # (B, H, q, d)
    return out.transpose(1, 2).contiguous(), None


AttentionInterface.register(ATMAN, atman_attention)
# Same name in the mask registry, or cached calls would build the wrong causal mask.
AttentionMaskInterface.register(ATMAN, sdpa_mask)
