"""Loading: the bundled model from its cache, any local folder, clear errors otherwise."""

from __future__ import annotations

import pytest

from explain_engine import Explainer, ModelLoadError
from explain_engine.model_loading import DEFAULT_CACHE_DIR, _gguf_cache_dir, bundled_gguf_path
from tests.explain_engine.conftest import tiny_model


def test_bundled_model_is_cached_after_first_load(explainer):
    cached = _gguf_cache_dir(bundled_gguf_path(), DEFAULT_CACHE_DIR)
    assert (cached / "model.safetensors").is_file()
    assert explainer.model_name == "SmolLM2-135M-Instruct"
    assert explainer.model.config._attn_implementation == "atman"


def test_local_model_folder_loads(tmp_path, tokenizer):
    model = tiny_model("qwen2")
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    ex = Explainer(str(tmp_path))
    result = ex.explain(
        "The fee is 10 dollars.\n\nThe term is one year.", "What is the fee?", answer="10 dollars"
    )
    assert len(result.units) == 2
    assert ex.model_name == str(tmp_path)


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ModelLoadError, match="unknown model 'no-such-org/no-such-model'"):
        Explainer("no-such-org/no-such-model")
