"""Metric code on hand-made rankings whose answers are known."""

import pytest

from bench import metrics


def test_top1_and_reciprocal_rank():
    assert metrics.top1([0.1, 0.9, 0.3], [1]) == 1.0
    assert metrics.top1([0.9, 0.1, 0.3], [1]) == 0.0
    assert metrics.reciprocal_rank([0.9, 0.1, 0.3], [1]) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank([0.9, 0.1, 0.3], [2]) == pytest.approx(1 / 2)
    # With several gold units the best-ranked one counts.
    assert metrics.reciprocal_rank([0.9, 0.1, 0.3], [1, 2]) == pytest.approx(1 / 2)


def test_ties_are_pessimistic():
    # A method that scores everything equal must not get credit for the gold unit.
    assert metrics.top1([0.0, 0.0, 0.0], [0]) == 0.0
    assert metrics.gold_rank([0.0, 0.0, 0.0], [0]) == 3
    assert metrics.gold_rank([1.0, 0.5, 0.5], [2]) == 3


def test_average_precision_known_values():
    # Ranking 0, 2, 3, 1 with gold {0, 3}: precision 1/1 at rank 1, 2/3 at rank 3.
    assert metrics.average_precision([0.9, 0.1, 0.8, 0.2], [0, 3]) == pytest.approx((1 + 2 / 3) / 2)
    assert metrics.average_precision([3, 2, 1], [0, 1]) == 1.0
    # Gold last of four: 1/4.
    assert metrics.average_precision([3, 2, 1, 0], [3]) == pytest.approx(0.25)


def test_average_recall_known_values():
    # Positives first: recall 1 at every cut-off.
    assert metrics.average_recall([5, 4, 1, 0], [0, 1]) == pytest.approx((0.5 + 1 + 1 + 1) / 4)
    # Positive last of four: recall 0, 0, 0, 1.
    assert metrics.average_recall([3, 2, 1, 0], [3]) == pytest.approx(0.25)


def test_no_gold_is_an_error():
    with pytest.raises(ValueError):
        metrics.gold_rank([1.0, 2.0], [])
    with pytest.raises(ValueError):
        metrics.average_precision([1.0], [])


def test_ranking_summary_skips_unanswerable():
    recs = [
        {"scores": [1, 0], "gold": [0]},
        {"scores": [1, 0], "gold": [1]},
        {"scores": [1, 0], "gold": []},
    ]
    s = metrics.ranking_summary(recs)
    assert s["n"] == 2
    assert s["top1"] == 0.5
    assert s["mrr"] == pytest.approx(0.75)


def test_not_supported_precision_recall():
    best = [0.01, 0.02, 0.5, 1.0, 0.03]
    answerable = [False, False, True, True, True]
    q = metrics.not_supported_quality(best, answerable, threshold=0.04)
    # Called not supported: 0.01, 0.02 (right), 0.03 (wrong).
    assert (q["true_positives"], q["false_positives"], q["false_negatives"]) == (2, 1, 0)
    assert q["precision"] == pytest.approx(2 / 3)
    assert q["recall"] == 1.0


def test_best_threshold_separates_separable_scores():
    best = [0.01, 0.02, 1.0, 2.0, 0.5]
    answerable = [False, False, True, True, True]
    chosen = metrics.best_threshold(best, answerable)
    assert 0.02 < chosen["threshold"] < 0.5
    assert chosen["precision"] == 1.0 and chosen["recall"] == 1.0
