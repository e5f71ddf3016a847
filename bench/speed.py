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
from explain_engine.atman import atman_scores, flop_estimate, rows_from, suppression_factors
from explain_engine.config import ANSWER_SIDE, FULL, TWO_STAGE
from explain_engine.prompt import build_prompt
from explain_engine.reference import naive_scores
from explain_engine.two_stage import two_stage_scores
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


def _naive(
    explainer: Explainer, prompt, factors, mode: str, scope: str
) -> tuple[torch.Tensor, float]:
    model = explainer.model
    _sync(model.device)
    t = time.perf_counter()
    scores = naive_scores(
        model, prompt.input_ids, prompt.answer_start, factors, mode, rows_from(prompt, scope)
    )
    _sync(model.device)
    return scores, time.perf_counter() - t


def _fast(explainer: Explainer, prompt, factors, cfg: AtmanConfig, scope: str):
    model = explainer.model
    _sync(model.device)
    t = time.perf_counter()
    if scope == TWO_STAGE:
        matrix = two_stage_scores(model, prompt, factors, cfg)
    else:
        matrix = atman_scores(model, prompt, factors, cfg, scope=scope)
    _sync(model.device)
    return matrix, time.perf_counter() - t


def ideal_token_passes(prompt, unit_tokens, scope: str, verified: list[int] | None = None) -> int:
    """Token passes of a scope's necessary computation (DESIGN 1.4, 1.7): the shared pass, then
    each unit from where its suppression first changes a hidden state."""
    length = prompt.length
    if scope == TWO_STAGE:
        screen = ideal_token_passes(prompt, unit_tokens, ANSWER_SIDE) - length
        exact = [unit_tokens[i] for i in verified or []]
        return length + screen + ideal_token_passes(prompt, exact, FULL) - length
    first = rows_from(prompt, scope)
    return length + sum(length - max(s, first) for s, _ in unit_tokens)


def run_case(
    explainer: Explainer,
    case: Case,
    mode: str,
    rate: float,
    memory: bool,
    scopes: tuple[str, ...] = (FULL,),
) -> list[dict[str, Any]]:
    """One row per scope. Each is compared with the naive reference of its own scope; the
    two-stage path with the full-scope reference (its verified units must equal it)."""
    model, tok = explainer.model, explainer.tokenizer
    cfg = explainer.config.with_overrides(mode=mode)
    prompt = build_prompt(tok, case.text, case.question, case.answer)
    unit_tokens = prompt.token_ranges(case.units)
    factors = suppression_factors(prompt, unit_tokens, cfg.control_factor)
    length, answer_len = prompt.length, len(prompt.answer_ids)

    naive: dict[str, tuple[torch.Tensor, float]] = {}
    rows = []
    for scope in scopes:
        reference = FULL if scope == TWO_STAGE else scope
        if reference not in naive:
            naive[reference] = _naive(explainer, prompt, factors, mode, reference)
        naive_scores_, naive_s = naive[reference]
        fast, fast_s = _fast(explainer, prompt, factors, cfg, scope)
        compared = fast.verified if fast.verified is not None else list(range(len(case.units)))
        diff = fast.per_token[compared] - naive_scores_[compared].to(fast.per_token)
        ideal_tokens = ideal_token_passes(prompt, unit_tokens, scope, fast.verified)
        flops = flop_estimate(model, ideal_tokens, length, answer_len, fast.forward_passes)
        row: dict[str, Any] = {
            "case": case.name,
            "mode": mode,
            "scope": scope,
            "units": len(case.units),
            "sequence_length": length,
            "document_end": prompt.doc_tokens[1],
            "answer_tokens": answer_len,
            "naive_scope": reference,
            "naive_seconds": round(naive_s, 3),
            "fast_seconds": round(fast_s, 3),
            "speedup": round(naive_s / fast_s, 2),
            "max_abs_diff": float(diff.mean(1).abs().max()),
            "max_abs_diff_per_token": float(diff.abs().max()),
            "naive_forward_passes": len(case.units) + 1,
            "fast_forward_passes": fast.forward_passes,
            "fast_batches": fast.batches,
            "verified": fast.verified,
            "naive_token_passes": length * (len(case.units) + 1),
            "fast_token_passes": fast.token_passes,
            "ideal_token_passes": ideal_tokens,
            "token_passes_over_forward": round(fast.token_passes / length, 2),
            "floor_seconds": round(flops / rate, 3),
            "floor_ratio": round(fast_s / (flops / rate), 2),
        }
        if memory and scope == FULL:
            row.update(_memory(explainer, case))
        rows.append(row)
    return rows


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
    scopes: tuple[str, ...] = (FULL,),
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
            for row in run_case(explainer, case, mode, rate, memory, scopes):
                rows.append(row)
                if on_row:  # long runs show each case as it finishes
                    on_row(row)
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
        # The headline figures are those of the first row (the ~50-unit contract, first scope).
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
