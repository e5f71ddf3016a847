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
