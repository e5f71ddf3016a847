"""The AtMan fast path: one shared prefix, batched perturbations, logits at answer positions.

score(u) = CE(answer | attention to u suppressed) - CE(answer)     (DESIGN 1.1)

1. One unsuppressed pass over prompt + answer fills a KV cache and gives the base CE.
2. Suppressing unit u (first affected token s_u) cannot change any hidden state before s_u
   (causal attention), so its pass restarts from the cached prefix at s_u.
3. Units are grouped with their neighbours into batches; a batch restarts at its smallest
   start, and a new batch begins when that would waste more than ``max_waste`` of the ideal
   sum(L - s_u) token-passes, or when the memory budget allows no more rows.
4. The LM head runs only where answer tokens are predicted.
With the answer-side scope (DESIGN 1.7) the document's hidden states stay as the shared pass
computed them, so every unit restarts at the end of the document.
The plain slow path (n + 1 full passes, explicit scores) is ``explain_engine.reference``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import DynamicCache, PreTrainedModel

from explain_engine.attention import Suppression
from explain_engine.config import ANSWER_SIDE, FULL, SUPPRESSION_SCOPES, AtmanConfig
from explain_engine.errors import check_deadline
from explain_engine.prompt import PromptInput


@dataclass
class BasePass:
    """The unsuppressed pass over prompt + answer, shared by every perturbed pass."""

    cache: DynamicCache
    base_ce: torch.Tensor  # (T,) on the model's device


@dataclass
class ScoreMatrix:
    per_token: torch.Tensor  # (n_units, T) CE increase per answer token, fp32
    base_ce: torch.Tensor  # (T,) CE of each answer token with nothing suppressed
    forward_passes: int  # sequences run through the model: 1 + n_units
    batches: int
    token_passes: int  # tokens actually run through the model (the FLOP driver)
    # Two-stage path: the units re-scored with the full scope (None: one scope throughout).
    verified: list[int] | None = None
    screen: torch.Tensor | None = None  # (n_units, T) the answer-side screening matrix

    @property
    def scores(self) -> torch.Tensor:  # (n_units,)
        return self.per_token.mean(dim=1)


def answer_token_ce(logits: torch.Tensor, answer_ids: torch.Tensor) -> torch.Tensor:
    """Per-token CE (B, T) from logits (B, T + 1, V) at the positions predicting the answer."""
    logits = logits[:, :-1].float()  # position i predicts token i + 1; the last predicts nothing
    b, t, v = logits.shape
    targets = answer_ids.to(logits.device).expand(b, t)
    return F.cross_entropy(logits.reshape(-1, v), targets.reshape(-1), reduction="none").view(b, t)


def suppression_factors(
    prompt: PromptInput,
    unit_tokens: list[tuple[int, int]],
    control_factor: float,
    kappa: float | None = None,
    embeddings: torch.Tensor | None = None,
) -> torch.Tensor:
    """(n_units, L) factor per key column: 1 untouched, c on the unit, between for correlated."""
    n, length = len(unit_tokens), prompt.length
    factors = torch.ones(n, length)
    for i, (ts, te) in enumerate(unit_tokens):
        factors[i, ts:te] = control_factor
    if kappa is None:
        return factors
    if embeddings is None:
        raise ValueError("correlated suppression needs the input embeddings")
    # DESIGN 1.3: document tokens similar to a token of u (cosine >= kappa) are suppressed
    # too, more weakly the less similar they are: factor (1 - c) * (1 - s) + c.
    d0, d1 = prompt.doc_tokens
    emb = F.normalize(embeddings[prompt.input_ids[0, :length]].float(), dim=-1)  # (L, h)
    doc = emb[d0:d1]
    for i, (ts, te) in enumerate(unit_tokens):
        sim = (doc @ emb[ts:te].T).amax(dim=1).clamp(max=1.0)  # (doc_len,)
        corr = (1 - control_factor) * (1 - sim) + control_factor
        corr = torch.where(sim >= kappa, corr, torch.ones_like(corr))
        factors[i, d0:d1] = torch.minimum(factors[i, d0:d1], corr)
    return factors


def rows_from(prompt: PromptInput, scope: str) -> int:
    """First query position whose attention a suppression changes (DESIGN 1.7)."""
    if scope == FULL:
        return 0
    if scope == ANSWER_SIDE:
        return prompt.doc_tokens[1]  # the question and the answer read the unit; the rest not
    raise ValueError(f"unknown suppression scope {scope!r}; valid: {SUPPRESSION_SCOPES}")


def first_suppressed(factors: torch.Tensor) -> list[int]:
    """Smallest key position each row touches: its prefix before that is shared."""
    touched = factors < 1.0
    return [int(row.nonzero()[0]) if row.any() else factors.shape[1] for row in touched]


def plan_batches(
    starts: list[int], length: int, max_rows: int, max_waste: float
) -> list[list[int]]:
    """Group units with neighbouring starts; see the module docstring (step 3)."""
    order = sorted(range(len(starts)), key=lambda i: starts[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        candidate = current + [i]
        cost = len(candidate) * (length - starts[candidate[0]])
        ideal = sum(length - starts[j] for j in candidate)
        if current and (len(candidate) > max_rows or cost > (1 + max_waste) * ideal):
            batches.append(current)
            current = [i]
        else:
            current = candidate
    if current:
        batches.append(current)
    return batches


def rows_for_budget(
    model: PreTrainedModel, length: int, mode: str, budget_mb: int | None, max_rows: int
) -> int:
    """How many perturbed copies fit the working-memory budget at sequence length ``length``.

    ``budget_mb=None``: the logits (length x vocab, fp32) of one plain forward pass.
    """
    cfg = model.config.get_text_config(decoder=True)
    budget = budget_mb * 2**20 if budget_mb is not None else length * cfg.vocab_size * 4
    itemsize = next(model.parameters()).element_size()
    layers = cfg.num_hidden_layers
    heads = cfg.num_attention_heads
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // heads
    kv_heads = getattr(cfg, "num_key_value_heads", None) or heads
    inter = getattr(cfg, "intermediate_size", None) or 4 * cfg.hidden_size
    kv = 2 * layers * kv_heads * head_dim * length * itemsize  # the row's KV cache
    act = length * (6 * cfg.hidden_size + 3 * inter) * itemsize  # one layer's activations
    scores = heads * length * length * 4 * (3 if mode == "multiplicative" else 1)
    per_row = kv + act + scores
    return max(1, min(max_rows, int(budget // per_row)))


def _cache_kwarg(model: PreTrainedModel) -> str:
    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _output_cache(out) -> DynamicCache:
    return getattr(out, "cache", None) or out.past_key_values


def _prefix_cache(cache: DynamicCache, upto: int, rows: int) -> DynamicCache:
    """A new cache holding the first ``upto`` positions, repeated for ``rows`` batch rows."""
    data = []
    for layer in cache.layers:
        k = layer.keys[:, :, :upto].expand(rows, -1, -1, -1)
        v = layer.values[:, :, :upto].expand(rows, -1, -1, -1)
        data.append((k, v))
    return DynamicCache(ddp_cache_data=data)


@torch.inference_mode()
def base_pass(model: PreTrainedModel, prompt: PromptInput) -> BasePass:
    """Step 1: the unsuppressed pass; fills the KV cache and gives the base CE."""
    ids = prompt.input_ids.to(next(model.parameters()).device)
    out = model(input_ids=ids, use_cache=True, logits_to_keep=len(prompt.answer_ids) + 1)
    return BasePass(
        cache=_output_cache(out), base_ce=answer_token_ce(out.logits, prompt.answer_ids)[0]
    )


@torch.inference_mode()
def atman_scores(
    model: PreTrainedModel,
    prompt: PromptInput,
    factors: torch.Tensor,
    config: AtmanConfig,
    progress: bool = False,
    deadline: float | None = None,
    *,
    scope: str = FULL,
    base: BasePass | None = None,
) -> ScoreMatrix:
    """Scores of every row of ``factors`` under the suppression ``scope``.

    ``base``: a shared pass already run (its cost is then not counted here). ``deadline``
    (``time.monotonic()``) is checked before every forward pass: a late explanation stops
    within one batch, in any thread (signals cannot interrupt torch).
    """
    device = next(model.parameters()).device
    ids = prompt.input_ids.to(device)
    length, answer_ids = prompt.length, prompt.answer_ids
    keep = len(answer_ids) + 1
    cache_kw = _cache_kwarg(model)
    first_row = rows_from(prompt, scope)

    token_passes = forward_passes = 0
    if base is None:
        check_deadline(deadline)
        base = base_pass(model, prompt)
        token_passes, forward_passes = length, 1

    # A row's hidden states change from its first suppressed key on, and (answer-side) not
    # before the first suppressed query row either.
    starts = [max(s, first_row) for s in first_suppressed(factors)]
    if min(starts, default=length) < 1:
        raise ValueError("a unit may not suppress the first token")
    max_rows = rows_for_budget(
        model, length, config.mode, config.memory_budget_mb, config.max_batch_rows
    )
    batches = plan_batches(starts, length, max_rows, config.max_waste)
    per_token = torch.empty(len(starts), len(answer_ids))
    for batch in _progress(batches, progress, len(starts)):
        check_deadline(deadline)
        start = starts[batch[0]]
        rows = len(batch)
        suppression = Suppression(config.mode, factors[batch].to(device), rows_from=first_row)
        out = model(
            input_ids=ids[:, start:].expand(rows, -1),
            use_cache=True,
            logits_to_keep=keep,
            atman_suppression=suppression,
            **{cache_kw: _prefix_cache(base.cache, start, rows)},
        )
        per_token[batch] = (answer_token_ce(out.logits, answer_ids) - base.base_ce).cpu()
        token_passes += rows * (length - start)
        del out
    return ScoreMatrix(
        per_token=per_token,
        base_ce=base.base_ce.cpu(),
        forward_passes=forward_passes + len(starts),
        batches=len(batches),
        token_passes=token_passes,
    )


def _progress(batches: list[list[int]], enabled: bool, units: int) -> Iterator[list[int]]:
    # `delay`: the bar appears only when an explanation takes more than a moment.
    bar = tqdm(total=units, desc="AtMan", unit="unit", disable=not enabled, delay=1.0, leave=False)
    with bar:
        for batch in batches:
            yield batch
            bar.update(len(batch))


def flop_estimate(
    model: PreTrainedModel, token_passes: int, length: int, answer_tokens: int, passes: int
) -> float:
    """FLOPs of the necessary computation: weights x tokens, attention, answer-position LM head."""
    cfg = model.config.get_text_config(decoder=True)
    emb = model.get_input_embeddings().weight.numel()
    params = sum(p.numel() for p in model.parameters()) - emb  # embedding lookup is free
    head = cfg.vocab_size * cfg.hidden_size
    body = params - (0 if cfg.tie_word_embeddings else head)
    attn = 2 * 2 * cfg.num_hidden_layers * cfg.hidden_size * length  # QK^T and PV per token
    return 2.0 * body * token_passes + attn * token_passes + 2.0 * head * answer_tokens * passes
