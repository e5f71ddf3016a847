"""One typed model of the result-changing options, built from the engine's constants."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.schemas.audit import AuditCreate
from backend.schemas.question import QuestionCreate
from core.explanation_settings import ExplanationSettings
from core.settings import Settings
from explain_engine import AtmanConfig, InvalidInputError
from explain_engine.config import MODES, SCOPES
from explain_engine.units import GRANULARITIES, check_granularity


def test_schema_lists_the_engines_modes_and_granularities() -> None:
    props = ExplanationSettings.model_json_schema()["properties"]
    assert props["granularity"]["enum"] == list(GRANULARITIES)
    assert props["mode"]["anyOf"][0]["enum"] == list(MODES)
    assert props["scope"]["anyOf"][0]["enum"] == list(SCOPES)


@pytest.mark.parametrize(
    ("field", "value"),
    [("factor", 0.0), ("factor", 0.999), ("factor", 1.0), ("factor", -0.1), ("factor", 500.0)]
    + [("kappa", 0.0), ("kappa", 1e-6), ("kappa", 1.0), ("kappa", 1.5)]
    + [("verify_k", 0), ("verify_k", 1), ("verify_k", 64), ("verify_k", 65)]
    + [("scope", s) for s in ("full", "answer_side", "two_stage", "rows", "")],
)
def test_accepted_exactly_when_the_engine_accepts(field: str, value: float) -> None:
    try:
        AtmanConfig(**{field: value})
        engine_ok = True
    except InvalidInputError:
        engine_ok = False
    try:
        ExplanationSettings(**{field: value})
        edge_ok = True
    except ValidationError:
        edge_ok = False
    assert edge_ok == engine_ok, (field, value)


def test_every_granularity_the_edge_accepts_is_one_the_engine_knows() -> None:
    for granularity in GRANULARITIES:
        assert check_granularity(ExplanationSettings(granularity=granularity).granularity)
    with pytest.raises(ValidationError):
        ExplanationSettings(granularity="page")


def test_questions_and_audits_store_the_same_settings_so_answers_are_reused() -> None:
    question = QuestionCreate(question="Pay?", answer="28.50", factor=0.1, granularity="sentence")
    audit = AuditCreate(
        items=[{"document": "a.pdf", "question": "Pay?", "answer": "28.50"}],
        factor=0.1,
        granularity="sentence",
    )
    assert question.stored(model="m", answer="28.50") == audit.stored(model="m", answer="28.50")
    stored = question.stored(model="m", answer="28.50")
    assert ExplanationSettings.from_stored(stored) == ExplanationSettings(
        factor=0.1, granularity="sentence"
    )


def test_command_line_values_get_one_readable_line() -> None:
    with pytest.raises(ValueError, match=r"granularity: 'page' is not one of paragraph, sentence"):
        ExplanationSettings.parse(granularity="page", mode=None)
    assert ExplanationSettings.parse(granularity="word", mode=None).mode is None


def test_environment_defaults_are_checked_against_the_same_ranges(monkeypatch) -> None:
    monkeypatch.setenv("DOCQA_FACTOR", "2")
    with pytest.raises(ValidationError, match="factor"):
        Settings()
    monkeypatch.setenv("DOCQA_FACTOR", "0.2")
    monkeypatch.setenv("DOCQA_MODE", "subtractive")
    with pytest.raises(ValidationError, match="mode"):
        Settings()
