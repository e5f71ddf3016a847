"""The cooperative deadline: checked between forward passes and generated tokens, so a late
explanation stops in any thread (Celery's signal-based limits cannot interrupt torch)."""

from __future__ import annotations

import time

import pytest

from explain_engine import ExplainError, TimeLimitError
from explain_engine.errors import check_deadline
from tests.conftest import EXAMPLE_TXT

# The pay clause and a few around it: short, so each test costs a few forward passes.
TEXT = "\n\n".join(EXAMPLE_TXT.read_text().split("\n\n")[2:7])
QUESTION = "How much is the Employee paid?"
ANSWER = "28.50 GBP per hour"


def test_the_timeout_error_is_a_typed_engine_error() -> None:
    assert issubclass(TimeLimitError, ExplainError)
    assert TimeLimitError.code == "timeout"
    check_deadline(None)
    check_deadline(time.monotonic() + 60)
    with pytest.raises(TimeLimitError):
        check_deadline(time.monotonic() - 1)


@pytest.mark.parametrize("answer", [ANSWER, None], ids=["given", "generated"])
def test_a_deadline_already_past_stops_before_any_forward_pass(explainer, answer) -> None:
    calls = []
    hook = explainer.model.register_forward_hook(lambda *_: calls.append(1))
    try:
        with pytest.raises(TimeLimitError, match="time limit") as info:
            explainer.explain(TEXT, QUESTION, answer=answer, deadline=time.monotonic() - 0.001)
    finally:
        hook.remove()
    assert info.value.code == "timeout"
    assert calls == []


@pytest.mark.parametrize("answer", [ANSWER, None], ids=["given", "generated"])
def test_a_deadline_reached_mid_explanation_stops_it_at_the_next_check(explainer, answer) -> None:
    # The first forward pass (unsuppressed, or the generation's prefill) outlasts the deadline.
    # Everything before that pass (tokenising a two-page contract) takes far less than 3 s.
    deadline = time.monotonic() + 3.0
    calls = []

    def hook(*_):
        calls.append(1)
        time.sleep(max(0.0, deadline - time.monotonic()) + 0.01)

    handle = explainer.model.register_forward_hook(hook)
    try:
        with pytest.raises(TimeLimitError):
            explainer.explain(TEXT, QUESTION, answer=answer, granularity="word", deadline=deadline)
    finally:
        handle.remove()
    # Neither a second generated token nor any of the ~160 word units' batches was computed.
    assert len(calls) == 1


def test_a_generous_deadline_changes_no_score(explainer) -> None:
    free = explainer.explain(TEXT, QUESTION, answer=ANSWER)
    bounded = explainer.explain(TEXT, QUESTION, answer=ANSWER, deadline=time.monotonic() + 3600)
    assert [u.score for u in bounded.units] == [u.score for u in free.units]
    assert bounded.forward_passes == free.forward_passes
