"""The two-stage explanation (DESIGN 1.7): screen every unit with the answer-side scope, then
re-score the best ``verify_k`` with the full scope, so the top of the ranking is exact AtMan.

Both stages share one unsuppressed pass. Cost in token passes, for a prompt + answer of L tokens
whose document ends at d, n units and the verified set V:

    L + n * (L - d) + sum_{u in V} (L - s_u)
"""

from __future__ import annotations

import math

import torch
from transformers import PreTrainedModel

from explain_engine.atman import ScoreMatrix, atman_scores, base_pass
from explain_engine.config import ANSWER_SIDE, FULL, AtmanConfig
from explain_engine.errors import check_deadline
from explain_engine.prompt import PromptInput


def verified_units(screen: torch.Tensor, k: int) -> list[int]:
    """Indices of the ``k`` units with the highest screening score, best first."""
    k = min(k, len(screen))
    return torch.topk(screen, k).indices.tolist()


def two_stage_scores(
    model: PreTrainedModel,
    prompt: PromptInput,
    factors: torch.Tensor,
    config: AtmanConfig,
    progress: bool = False,
    deadline: float | None = None,
) -> ScoreMatrix:
    """Full-scope scores for the verified units, answer-side screening scores for the rest."""
    check_deadline(deadline)
    base = base_pass(model, prompt)
    screen = atman_scores(
        model, prompt, factors, config, progress, deadline, scope=ANSWER_SIDE, base=base
    )
    verified = verified_units(screen.scores, config.verify_k)
    exact = atman_scores(
        model, prompt, factors[verified], config, progress, deadline, scope=FULL, base=base
    )
    per_token = screen.per_token.clone()
    per_token[verified] = exact.per_token
    return ScoreMatrix(
        per_token=per_token,
        base_ce=screen.base_ce,
        forward_passes=1 + screen.forward_passes + exact.forward_passes,
        batches=screen.batches + exact.batches,
        token_passes=prompt.length + screen.token_passes + exact.token_passes,
        verified=verified,
        screen=screen.per_token,
    )


def ranking_scores(matrix: ScoreMatrix) -> list[float]:
    """Unit scores whose order is the result's ranking.

    One scope: the mean CE increase. Two-stage: verified units keep their exact score; an
    unverified unit keeps its screening score capped just below the lowest verified score, so
    sorting by score puts every verified unit first (its raw screening score stays in the matrix).
    """
    scores = matrix.scores.tolist()
    if not matrix.verified:
        return scores
    chosen = set(matrix.verified)
    cap = math.nextafter(min(scores[i] for i in chosen), -math.inf)
    return [s if i in chosen else min(s, cap) for i, s in enumerate(scores)]
