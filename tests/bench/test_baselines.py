"""Every attribution method: one finite score per unit, right cost accounting; on the bundled
model the methods that should find the pay clause do."""

import math

import pytest

from bench import baselines
from bench.baselines.leave_one_out import without

FAST = {
    "atman": {},
    "atman_answer_side": {},
    "atman_two_stage": {"verify_k": 2},
    "leave_one_out": {},
    "input_x_gradient": {},
    "attention": {},
    "integrated_gradients": {"steps": 4},
    "context_cite": {"num_ablations": 8},
}


def test_registry_knows_every_method():
    assert set(baselines.names()) == set(FAST)
    with pytest.raises(KeyError, match="unknown method"):
        baselines.get("nope")


@pytest.mark.parametrize("name", sorted(FAST))
def test_method_scores_every_unit(tiny_explainer, small_case, name):
    method = baselines.get(name, **FAST[name])
    a = method.attribute(tiny_explainer, small_case)
    assert len(a.scores) == len(small_case.units)
    assert all(math.isfinite(s) for s in a.scores)
    assert len(set(a.scores)) > 1, "a method that scores every unit the same says nothing"
    assert a.forward_passes >= 1


def test_cost_accounting(tiny_explainer, small_case):
    n = len(small_case.units)
    assert baselines.get("atman").attribute(tiny_explainer, small_case).forward_passes == n + 1
    assert (
        baselines.get("leave_one_out").attribute(tiny_explainer, small_case).forward_passes == n + 1
    )
    ig = baselines.get("integrated_gradients", steps=4).attribute(tiny_explainer, small_case)
    assert (ig.forward_passes, ig.backward_passes) == (4, 4)
    cc = baselines.get("context_cite", num_ablations=8).attribute(tiny_explainer, small_case)
    assert cc.forward_passes == 8


def test_atman_baseline_is_the_product_explanation(tiny_explainer, small_case):
    a = baselines.get("atman").attribute(tiny_explainer, small_case)
    r = tiny_explainer.explain(
        small_case.text, small_case.question, answer=small_case.answer, units=small_case.units
    )
    assert a.scores == pytest.approx([u.score for u in r.units])


def test_leave_one_out_deletes_exactly_the_unit():
    text = "One.\n\nTwo.\n\nThree."
    assert without(text, (6, 10)) == "One.\n\nThree."
    assert without(text, (12, 18)) == "One.\n\nTwo.\n\n"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["atman", "leave_one_out"])  # IxG misses it (README)
def test_bundled_model_finds_the_pay_clause(explainer, small_case, name):
    a = baselines.get(name).attribute(explainer, small_case)
    assert max(range(3), key=a.scores.__getitem__) == 1, a.scores
