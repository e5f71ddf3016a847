"""`docqa bench memory`: peak memory against sequence length (the paper's Fig. 8, this machine).

For each length: one plain forward pass, an AtMan explanation (``units`` equal spans of the
document), one backward pass (the floor of every gradient method) and integrated gradients as
benchmarked (16 steps, 4 interpolation points per backward pass), each in a fresh process
(bench.memory_probe), so every figure is the peak of that operation alone on top of the loaded
model: resident memory on the CPU, allocated device memory on a GPU.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from bench import memory_probe
from explain_engine.model_loading import BUNDLED_NAME

KINDS = ("forward", "atman", "gradient", "integrated_gradients")


def document_of_length(tokenizer, source: str, tokens: int) -> str:
    """A prefix of ``source`` (repeated as needed) holding about ``tokens`` tokens."""
    text = source
    while len(tokenizer(text, add_special_tokens=False)["input_ids"]) < tokens:
        text += "\n\n" + source
    ids = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return text[: ids["offset_mapping"][tokens - 1][1]]


def equal_spans(text: str, n: int) -> list[tuple[int, int]]:
    cuts = [round(i * len(text) / n) for i in range(n + 1)]
    return [(cuts[i], cuts[i + 1]) for i in range(n)]


def run(
    tokenizer,
    source: str,
    lengths: list[int],
    units: int = 4,
    model: str | None = None,
    question: str = "What is this about?",
    answer: str = "It is about the topic.",
    on_row=None,
    device: str | None = None,
    limit_mb: int | None = 16384,
) -> dict:
    rows = []
    for length in lengths:
        text = document_of_length(tokenizer, source, length)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(text)
        spec = {
            "text_file": f.name,
            "question": question,
            "answer": answer,
            "units": equal_spans(text, units),
        }
        if model and model != BUNDLED_NAME:
            spec["model"] = model
        if device:
            spec["device"] = device
            spec["dtype"] = "float32"  # the same arithmetic as on the CPU
        try:
            row = {"document_tokens": length}
            for kind in KINDS:
                m = memory_probe.measure(kind, spec, limit_mb=None if device else limit_mb)
                if "error" in m:  # e.g. over the address-space cap: no peak to report
                    row[f"{kind}_peak_mb"] = row[f"{kind}_working_mb"] = None
                    row[f"{kind}_error"] = m["error"]
                    continue
                row["sequence_length"] = m["sequence_length"]
                row[f"{kind}_peak_mb"] = round(m["peak_kb"] / 1024, 1)
                row[f"{kind}_working_mb"] = round(m["delta_kb"] / 1024, 1)
        finally:
            Path(f.name).unlink(missing_ok=True)
        for kind in KINDS[1:]:
            peak, base = row[f"{kind}_peak_mb"], row["forward_peak_mb"]
            row[f"{kind}_over_forward"] = round(peak / base, 3) if peak and base else None
        rows.append(row)
        if on_row:
            on_row(row)
    return {
        "model": model or BUNDLED_NAME,
        "units": units,
        "device": device or "cpu",
        "rows": rows,
        "note": (
            "peak = allocated GPU memory high-water mark (model included)"
            if device and device.startswith("cuda")
            else "peak = resident-memory high-water mark of the whole process (model included)"
        )
        + "; working = peak minus memory in use just before the operation"
        + ("" if device else f"; each measurement capped at {limit_mb} MB of address space"),
    }


def plot(result: dict, path: Path) -> None:
    matplotlib.use("Agg")  # files only, no display
    rows = result["rows"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for kind, label in (
        ("forward", "forward pass"),
        ("atman", f"AtMan ({result['units']} units)"),
        ("gradient", "one backward pass (gradient methods)"),
        ("integrated_gradients", "integrated gradients (16 steps, 4 per pass)"),
    ):
        # A point over the memory cap (None) is left out of its line.
        pts = [(r["sequence_length"], r[f"{kind}_peak_mb"], r[f"{kind}_working_mb"]) for r in rows]
        pts = [p for p in pts if p[1] is not None]
        axes[0].plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
        axes[1].plot([p[0] for p in pts], [p[2] for p in pts], marker="o", label=label)
    where = "GPU" if result.get("device", "cpu").startswith("cuda") else "resident"
    axes[0].set_title(f"peak {where} memory (MB)")
    axes[1].set_title("working memory above the loaded model (MB)")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xlabel("sequence length (tokens)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
