"""Peak resident memory of one operation, measured in a fresh process.

Linux keeps the high-water mark of resident memory (VmHWM); writing "5" to
/proc/self/clear_refs resets it, so the peak of the operation alone can be read after loading.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


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


def measure(kind: str, spec: dict) -> dict:
    """Run ``python -m bench.memory_probe KIND SPEC`` and return its JSON line."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.memory_probe", kind, json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _main(kind: str, spec: dict) -> dict:
    import torch

    from explain_engine import AtmanConfig, Explainer
    from explain_engine.prompt import build_prompt

    explainer = Explainer(spec.get("model"), config=AtmanConfig(**spec.get("config", {})))
    text = Path(spec["text_file"]).read_text()
    units = [tuple(u) for u in spec["units"]] if spec.get("units") else None
    prompt = build_prompt(explainer.tokenizer, text, spec["question"], spec["answer"])
    ids = prompt.input_ids
    torch.set_grad_enabled(False)
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
    else:
        raise SystemExit(f"unknown kind {kind!r}")
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
