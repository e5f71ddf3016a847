"""A tiny random Llama with the bundled tokenizer: every method runs on it in seconds."""

import pytest

from bench.data.case import Case, join_paragraphs
from explain_engine import AtmanConfig, Explainer
from explain_engine.model_loading import LoadedModel
from tests.explain_engine.conftest import tiny_model


@pytest.fixture(scope="session")
def tiny_explainer(explainer) -> Explainer:
    loaded = LoadedModel(
        model=tiny_model("llama"), tokenizer=explainer.tokenizer, name="tiny-llama"
    )
    return Explainer(loaded=loaded, config=AtmanConfig())


@pytest.fixture
def small_case() -> Case:
    paragraphs = [
        "The office is in Leeds. It opens at nine in the morning.",
        "The employee is paid 28.50 GBP per hour, every second Friday.",
        "Holidays are twenty days a year, plus public holidays.",
    ]
    text, units = join_paragraphs(paragraphs)
    return Case(
        id="pay",
        dataset="hand",
        split="test",
        text=text,
        question="What is the pay per hour?",
        answer="28.50 GBP per hour",
        units=units,
        gold=[1],
    )
