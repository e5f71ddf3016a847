"""Tiny randomly initialised models of several architectures (no download), sharing the
bundled model's tokenizer so prompts and offsets are real."""

from __future__ import annotations

import pytest
import torch
from transformers import (
    AutoModelForCausalLM,
    GemmaConfig,
    GPT2Config,
    LlamaConfig,
    Qwen2Config,
)

from explain_engine import AtmanConfig, Explainer
from explain_engine.model_loading import LoadedModel

VOCAB = 49152
COMMON = {
    "vocab_size": VOCAB,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 4096,
}
CONFIGS = {
    "llama": lambda: LlamaConfig(**COMMON),
    "qwen2": lambda: Qwen2Config(**COMMON),
    "gemma": lambda: GemmaConfig(**COMMON, head_dim=16),
    "gpt2": lambda: GPT2Config(vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=4, n_positions=4096),
}


def tiny_model(arch: str, seed: int = 0):
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(CONFIGS[arch](), dtype=torch.float32)
    # Random init is near-uniform attention; larger weights make suppression matter.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.mul_(8.0)
    return model.eval()


@pytest.fixture(scope="session")
def tokenizer(explainer):
    return explainer.tokenizer


@pytest.fixture(scope="session", params=sorted(CONFIGS))
def tiny(request, tokenizer) -> Explainer:
    loaded = LoadedModel(
        model=tiny_model(request.param), tokenizer=tokenizer, name=f"tiny-{request.param}"
    )
    return Explainer(loaded=loaded, config=AtmanConfig(max_batch_rows=3, max_waste=1.0))
