"""Peak memory of one operation, measured in a fresh process.

On the CPU: Linux keeps the high-water mark of resident memory (VmHWM); writing "5" to
/proc/self/clear_refs resets it, so the peak of the operation alone can be read after loading.
On a GPU (``"device": "cuda"`` in the spec): torch's peak of allocated device memory.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import torch

from bench.baselines.integrated_gradients import IntegratedGradients
from bench.data.case import Case
from explain_engine import AtmanConfig, Explainer
from explain_engine.prompt import build_prompt


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak() -> int:
    Path("/proc/self/clear_refs").write_text("5")
    return _rss_kb("VmRSS")


def peak_kb() -> int:
    return _rss_kb("VmHWM")


def _cap_address_space(limit_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def measure(kind: str, spec: dict, limit_mb: int | None = None) -> dict:
    """Run ``python -m bench.memory_probe KIND SPEC`` and return its JSON line.

    ``limit_mb`` caps the probe's address space (CPU only), so an operation that would need
    more fails alone instead of bringing the OOM killer down on the machine; the result then
    holds ``"error"`` instead of a peak.
    """
    proc = subprocess.run(
        [sys.executable, "-m", "bench.memory_probe", kind, json.dumps(spec)],
        capture_output=True,
        text=True,
        preexec_fn=(lambda: _cap_address_space(limit_mb << 20)) if limit_mb else None,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"kind": kind, "error": f"exit {proc.returncode}: {tail[0][:200]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _integrated_gradients(explainer, text: str, spec: dict, units) -> None:
    case = Case(
        id="memory",
        dataset="memory",
        split="test",
        text=text,
        question=spec["question"],
        answer=spec["answer"],
        units=units or [(0, len(text))],
        gold=[],
    )
    IntegratedGradients().attribute(explainer, case)


def _main(kind: str, spec: dict) -> dict:
    device = spec.get("device")
    explainer = Explainer(
        spec.get("model"),
        device=device,
        dtype=spec.get("dtype", "auto"),
        config=AtmanConfig(**spec.get("config", {})),
    )
    text = Path(spec["text_file"]).read_text()
    units = [tuple(u) for u in spec["units"]] if spec.get("units") else None
    prompt = build_prompt(explainer.tokenizer, text, spec["question"], spec["answer"])
    ids = prompt.input_ids.to(explainer.model.device)
    torch.set_grad_enabled(False)
    on_gpu = explainer.model.device.type == "cuda"
    if on_gpu:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated() // 1024
    else:
        before = reset_peak()
    if kind == "forward":  # one plain forward pass with full logits, as in inference
        explainer.model(input_ids=ids, use_cache=False)
    elif kind == "atman":
        explainer.explain(
            text,
            spec["question"],
            answer=spec["answer"],
            units=units,
            granularity=spec.get("granularity", "paragraph"),
        )
    elif kind == "gradient":  # one backward pass: the floor of gradient methods
        torch.set_grad_enabled(True)
        emb = explainer.model.get_input_embeddings()(ids).detach().requires_grad_(True)
        logits = explainer.model(inputs_embeds=emb, use_cache=False).logits
        logits[0, prompt.answer_start - 1 : -1].logsumexp(-1).sum().backward()
    elif kind == "integrated_gradients":  # the baseline as benchmarked (16 steps, 4 per batch)
        torch.set_grad_enabled(True)
        _integrated_gradients(explainer, text, spec, units)
    else:
        raise SystemExit(f"unknown kind {kind!r}")
    if on_gpu:
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() // 1024
    else:
        peak = peak_kb()
    return {
        "kind": kind,
        "rss_before_kb": before,
        "peak_kb": peak,
        "delta_kb": peak - before,
        "sequence_length": int(ids.shape[1]),
    }


if __name__ == "__main__":
    print(json.dumps(_main(sys.argv[1], json.loads(sys.argv[2]))))  # noqa: T201
