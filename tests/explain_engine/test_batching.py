"""Batch planning and the memory budget."""

from __future__ import annotations

from explain_engine.atman import plan_batches, rows_for_budget
from explain_engine.config import AtmanConfig


def test_batches_group_neighbours_and_bound_the_waste():
    starts = [10, 400, 20, 30, 410, 40]
    batches = plan_batches(starts, length=500, max_rows=8, max_waste=0.15)
    assert sorted(i for b in batches for i in b) == list(range(6))
    for batch in batches:
        first = starts[batch[0]]
        cost = len(batch) * (500 - first)
        ideal = sum(500 - starts[i] for i in batch)
        assert cost <= 1.15 * ideal
    assert [0, 2, 3, 5] in batches  # the four units near the start share one batch


def test_few_far_apart_units_are_not_batched_together():
    # 8 paragraphs spread over the document (the prototype's SQuAD case): batching them all
    # would recompute nearly the whole document for each.
    starts = [50 * i + 10 for i in range(8)]
    batches = plan_batches(starts, length=420, max_rows=8, max_waste=0.15)
    assert len(batches) >= 4
    cost = sum(len(b) * (420 - starts[b[0]]) for b in batches)
    assert cost <= 1.15 * sum(420 - s for s in starts)


def test_max_rows_is_respected():
    batches = plan_batches([5] * 10, length=100, max_rows=3, max_waste=0.15)
    assert [len(b) for b in batches] == [3, 3, 3, 1]


def test_rows_shrink_with_length_and_budget(explainer):
    cfg = AtmanConfig()
    short = rows_for_budget(explainer.model, 256, cfg.mode, 1024, 64)
    long = rows_for_budget(explainer.model, 4096, cfg.mode, 1024, 64)
    tight = rows_for_budget(explainer.model, 4096, cfg.mode, 16, 64)
    assert short > long >= tight == 1
    # Default: what a plain forward pass spends on its logits, so more rows at longer lengths
    # never push an explanation far past a forward pass.
    auto = rows_for_budget(explainer.model, 709, cfg.mode, None, 64)
    assert 1 <= auto <= rows_for_budget(explainer.model, 709, cfg.mode, 1024, 64)
