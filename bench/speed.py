"""`docqa bench speed`: the naive AtMan reference against the fast path, in one run.

For each document: seconds of both, the speed-up, the largest per-unit score difference (both
in fp32), forward passes, the fast path's time over the FLOP floor (FLOPs of the necessary
computation divided by this machine's measured matrix-product rate), and peak memory of the
explanation against one plain forward pass at the same length (fresh processes).
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from bench import memory_probe
from explain_engine import AtmanConfig, Explainer
from explain_engine.atman import atman_scores, flop_estimate, suppression_factors
from explain_engine.prompt import build_prompt
from explain_engine.reference import naive_scores
from ingest.segment import chunk_spans, sentence_spans

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "employment_contract.txt"


@dataclass
class Case:
    name: str
    text: str
    units: list[tuple[int, int]]
    question: str
    answer: str


def default_cases(cuad_txt: Path | None = None) -> list[Case]:
    text = EXAMPLE.read_text()
    q, a = "What is the pay per hour?", "28.50 GBP per hour"
    cases = [Case("contract-50-sentences", text, sentence_spans(text)[:50], q, a)]
    long_text = text + "\n\n" + text.replace("Jane Doe", "John Roe").replace("28.50", "31.00")
    cases.append(Case("contract-x2-paragraphs", long_text, chunk_spans(long_text, 50), q, a))
    if cuad_txt and cuad_txt.is_file():
        cuad = cuad_txt.read_text()[:9000]
        cases.append(
            Case(
                f"cuad-{cuad_txt.stem[:24]}-paragraphs",
                cuad,
                chunk_spans(cuad, 50),
                "What is the governing law of this agreement?",
                "The laws of the State of New York.",
            )
        )
    return cases


def _sync(device: torch.device) -> None:
    # GPU work is asynchronous: a timer read before it finishes measures only the launches.
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_rate(
    dim: int, inter: int, rows: int = 512, repeats: int = 20, device: str = "cpu"
) -> float:
    """FLOP/s of an fp32 matrix product shaped like the model's MLP on this device."""
    dev = torch.device(device)
    a, b = torch.randn(rows, dim, device=dev), torch.randn(dim, inter, device=dev)
    for _ in range(3):
        a @ b
    _sync(dev)
    t = time.perf_counter()
    for _ in range(repeats):
        a @ b
    _sync(dev)
    return 2 * rows * dim * inter * repeats / (time.perf_counter() - t)


def run_case(
    explainer: Explainer, case: Case, mode: str, rate: float, memory: bool
) -> dict[str, Any]:
    model, tok = explainer.model, explainer.tokenizer
    cfg = explainer.config.with_overrides(mode=mode)
    prompt = build_prompt(tok, case.text, case.question, case.answer)
    unit_tokens = prompt.token_ranges(case.units)
    factors = suppression_factors(prompt, unit_tokens, cfg.control_factor)

    _sync(model.device)
    t = time.perf_counter()
    naive = naive_scores(model, prompt.input_ids, prompt.answer_start, factors, mode)
    _sync(model.device)
    naive_s = time.perf_counter() - t
    t = time.perf_counter()
    fast = atman_scores(model, prompt, factors, cfg)
    _sync(model.device)
    fast_s = time.perf_counter() - t

    length, answer_len = prompt.length, len(prompt.answer_ids)
    ideal_tokens = length + sum(length - s for s, _ in unit_tokens)
    flops = flop_estimate(model, ideal_tokens, length, answer_len, fast.forward_passes)
    row: dict[str, Any] = {
        "case": case.name,
        "mode": mode,
        "units": len(case.units),
        "sequence_length": length,
        "answer_tokens": answer_len,
        "naive_seconds": round(naive_s, 3),
        "fast_seconds": round(fast_s, 3),
        "speedup": round(naive_s / fast_s, 2),
        "max_abs_diff": float(
            (fast.per_token.mean(1) - naive.mean(1).to(fast.per_token)).abs().max()
        ),
        "max_abs_diff_per_token": float((fast.per_token - naive.to(fast.per_token)).abs().max()),
        "naive_forward_passes": len(case.units) + 1,
        "fast_forward_passes": fast.forward_passes,
        "fast_batches": fast.batches,
        "naive_token_passes": length * (len(case.units) + 1),
        "fast_token_passes": fast.token_passes,
        "ideal_token_passes": ideal_tokens,
        "floor_seconds": round(flops / rate, 3),
        "floor_ratio": round(fast_s / (flops / rate), 2),
    }
    if memory:
        row.update(_memory(explainer, case))
    return row


def _memory(explainer: Explainer, case: Case) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(case.text)
    spec = {
        "text_file": f.name,
        "question": case.question,
        "answer": case.answer,
        "units": case.units,
        "config": {"memory_budget_mb": explainer.config.memory_budget_mb},
        "device": str(explainer.model.device),
        "dtype": "float32",
    }
    if explainer.model_name != "SmolLM2-135M-Instruct":
        spec["model"] = explainer.model_name
    try:
        fwd = memory_probe.measure("forward", spec)
        atm = memory_probe.measure("atman", spec)
    finally:
        Path(f.name).unlink(missing_ok=True)
    return {
        "forward_peak_mb": round(fwd["peak_kb"] / 1024, 1),
        "atman_peak_mb": round(atm["peak_kb"] / 1024, 1),
        "peak_memory_ratio": round(atm["peak_kb"] / fwd["peak_kb"], 3),
        "forward_working_mb": round(fwd["delta_kb"] / 1024, 1),
        "atman_working_mb": round(atm["delta_kb"] / 1024, 1),
        "working_memory_ratio": round(atm["delta_kb"] / max(fwd["delta_kb"], 1), 3),
    }


def run(
    explainer: Explainer | None = None,
    cases: list[Case] | None = None,
    modes: tuple[str, ...] = ("log_additive",),
    memory: bool = True,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    explainer = explainer or Explainer(dtype="float32", config=AtmanConfig())
    cases = cases or default_cases()
    cfg = explainer.model.config.get_text_config(decoder=True)
    device = explainer.model.device
    rate = matmul_rate(
        cfg.hidden_size, getattr(cfg, "intermediate_size", 4 * cfg.hidden_size), device=str(device)
    )
    rows = []
    for case in cases:
        for mode in modes:
            rows.append(run_case(explainer, case, mode, rate, memory))
            if on_row:  # long runs show each case as it finishes
                on_row(rows[-1])
    headline = rows[0]
    return {
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            "threads": torch.get_num_threads(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "matmul_gflops": round(rate / 1e9, 1),
        },
        "model": explainer.model_name,
        # The headline figures are those of the first case (the ~50-unit contract).
        **{
            k: headline.get(k)
            for k in (
                "naive_seconds",
                "fast_seconds",
                "speedup",
                "max_abs_diff",
                "floor_ratio",
                "peak_memory_ratio",
            )
        },
        "cases": rows,
    }


def write(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
