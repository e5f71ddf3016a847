"""CLI, audit and workers build their Explainer from the one settings object."""

from __future__ import annotations

import pytest

from core.pipeline import explainer_from_settings
from core.settings import get_settings


@pytest.fixture
def env(monkeypatch):
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_environment_reaches_the_engine_config(env, explainer):  # explainer: warm model cache
    env.setenv("DOCQA_MODE", "multiplicative")
    env.setenv("DOCQA_SUPPORTED_THRESHOLD", "0.3")
    config = explainer_from_settings().config
    assert config.mode == "multiplicative"
    assert config.control_factor == 0.1  # the mode's default, not log-additive's 0
    assert config.supported_threshold == 0.3


def test_call_overrides_win_over_the_environment(env, explainer):
    env.setenv("DOCQA_MODE", "multiplicative")
    config = explainer_from_settings(mode="log_additive", factor=0.2).config
    assert (config.mode, config.control_factor) == ("log_additive", 0.2)


def test_scope_and_verify_k_come_from_the_environment(env, explainer):
    env.setenv("DOCQA_SCOPE", "two_stage")
    env.setenv("DOCQA_VERIFY_K", "5")
    config = explainer_from_settings().config
    assert (config.scope, config.verify_k) == ("two_stage", 5)
    assert explainer_from_settings(scope="full").config.scope == "full"
    get_settings.cache_clear()
    env.delenv("DOCQA_SCOPE")
    env.delenv("DOCQA_VERIFY_K")
    default = explainer_from_settings().config
    assert (default.scope, default.verify_k) == ("full", 3)  # the engine's defaults


def test_context_budget_comes_from_the_environment(env, explainer):
    assert explainer_from_settings().context_budget == 2048  # CPU default
    get_settings.cache_clear()
    env.setenv("DOCQA_CONTEXT_BUDGET", "4096")
    assert explainer_from_settings().context_budget == 4096
    get_settings.cache_clear()
    env.setenv("DOCQA_CONTEXT_BUDGET", "8")
    with pytest.raises(ValueError, match="context_budget"):
        get_settings()
