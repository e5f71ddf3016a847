"""`docqa bench ...`: benchmarks that print a table and write JSON under a results folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import torch
import typer
from rich.console import Console
from rich.table import Table

from bench import baselines
from bench import geometry as geometry_bench
from bench import ingest_quality as ingest_bench
from bench import load as load_bench
from bench import memory as mem
from bench import quality as q
from bench import speed as speed_bench
from bench import startup as startup_bench
from bench import table1 as t1
from bench import verdict as verdict_bench
from bench.data import contract_nli, cuad, hotpot, squad
from bench.speed import EXAMPLE
from explain_engine import Explainer
from explain_engine.model_loading import load_model

app = typer.Typer(help="Benchmarks (speed, ingestion quality, ...).", no_args_is_help=True)
DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _table(title: str, rows: list[dict], columns: list[str]) -> Table:
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    return table


@app.command("speed")
def speed(
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the result JSON here")
    ] = None,
    modes: Annotated[str, typer.Option(help="Comma-separated modes")] = "log_additive",
    scopes: Annotated[
        str, typer.Option(help="Comma-separated scopes: full, answer_side, two_stage")
    ] = "full",
    model: Annotated[str | None, typer.Option(help="Model id or path (default: bundled)")] = None,
    memory: Annotated[bool, typer.Option(help="Measure peak memory in fresh processes")] = True,
    cuad_txt: Annotated[
        Path | None, typer.Option(help="A CUAD .txt contract for a longer case")
    ] = None,
    device: Annotated[
        str | None, typer.Option(help="cpu or cuda (default: cuda when present)")
    ] = None,
    cases: Annotated[int | None, typer.Option(help="Only the first N cases")] = None,
    threads: Annotated[
        int | None, typer.Option(help="torch threads (1 is fastest on a busy CPU)")
    ] = None,
) -> None:
    """Naive reference vs fast path: seconds, speed-up, score difference, FLOP floor, memory."""

    if threads:
        torch.set_num_threads(threads)
    explainer = Explainer(model, device=device, dtype="float32")
    result = speed_bench.run(
        explainer,
        speed_bench.default_cases(cuad_txt)[:cases],
        tuple(modes.split(",")),
        memory=memory,
        scopes=tuple(scopes.split(",")),
        on_row=lambda row: Console().print(row),
    )
    cols = [
        "case",
        "mode",
        "scope",
        "units",
        "sequence_length",
        "naive_seconds",
        "fast_seconds",
        "speedup",
        "max_abs_diff",
        "fast_forward_passes",
        "token_passes_over_forward",
        "floor_ratio",
        "peak_memory_ratio",
        "working_memory_ratio",
    ]
    Console().print(
        _table(
            f"AtMan speed ({result['model']}, {result['machine']['matmul_gflops']} GFLOP/s fp32)",
            result["cases"],
            cols,
        )
    )
    if json_out:
        speed_bench.write(result, json_out)


@app.command("ingest")
def ingest_quality(
    data_dir: Annotated[Path, typer.Option(help="Folder holding cuad/")] = DATA_DIR,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the result JSON here")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N PDFs")] = None,
) -> None:
    """How much of CUAD's answer clauses PDF ingestion recovers, and seconds per page."""

    result = ingest_bench.run(data_dir, limit=limit)
    summary = {k: v for k, v in result.items() if not isinstance(v, list | dict)}
    Console().print(summary)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2) + "\n")


@app.command("geometry")
def geometry(
    data_dir: Annotated[Path, typer.Option(help="Folder holding cuad/")] = DATA_DIR,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the result JSON here")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N PDFs")] = None,
    split: Annotated[str | None, typer.Option(help="dev or test (default: both)")] = None,
) -> None:
    """Share of evidence spans whose highlight rectangles read back as the span's text."""

    if split not in (None, "dev", "test"):
        raise typer.BadParameter("split must be dev or test", param_hint="--split")
    result = geometry_bench.run(data_dir, limit=limit, split=split)
    rows = [{"split": k, **v} for k, v in result.items() if k in ("all", "dev", "test")]
    cols = ["split", "documents", "pages"] + [
        f"{kind}{suffix}"
        for kind in geometry_bench.KINDS
        for suffix in ("", "_match_share", "_match_unaligned_share")
    ]
    Console().print(_table("Highlights read back (aligned vs unaligned)", rows, cols))
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


def _cases(
    dataset: str,
    data_dir: Path,
    split: str | None,
    k: int,
    granularity: str,
    window: int,
    explainer=None,
    per_contract: int = 4,
):

    if dataset in ("squad", "squad-mismatched"):
        cases = squad.load_cases(
            data_dir / squad.DEFAULT_FILE, k=k, granularity=granularity, split=split
        )
        return squad.mismatched_cases(cases) if dataset == "squad-mismatched" else cases
    if dataset == "cuad":
        return cuad.load_cases(data_dir / cuad.DEFAULT_FILE, window=window, split=split)
    if dataset == "cuad-whole":
        return cuad.load_whole_cases(
            data_dir / cuad.DEFAULT_FILE,
            explainer.count_tokens,
            budget_tokens=explainer.context_budget,
            split=split,
            per_contract=per_contract,
        )
    if dataset == "hotpot":
        return hotpot.load_cases(
            data_dir / hotpot.DEFAULT_FILE, granularity=granularity, split=split
        )
    raise typer.BadParameter(
        f"unknown dataset {dataset!r}; use squad, squad-mismatched, cuad, cuad-whole, hotpot"
    )


@app.command("quality")
def quality(
    dataset: Annotated[
        str, typer.Option(help="squad, squad-mismatched, cuad (windows), cuad-whole or hotpot")
    ] = "squad",
    data_dir: Annotated[
        Path, typer.Option(help="Folder holding squad/, cuad/, hotpotqa/")
    ] = DATA_DIR,
    methods: Annotated[str, typer.Option(help="Comma-separated method names")] = "atman",
    split: Annotated[str | None, typer.Option(help="dev or test (default both, dev first)")] = None,
    offset: Annotated[int, typer.Option(help="Skip the first N cases")] = 0,
    limit: Annotated[int | None, typer.Option(help="At most N cases")] = None,
    k: Annotated[int, typer.Option(help="SQuAD paragraphs per document")] = 8,
    window: Annotated[int, typer.Option(help="CUAD chunks per document")] = 6,
    per_contract: Annotated[
        int, typer.Option(help="cuad-whole: answerable and unanswerable questions per contract")
    ] = 4,
    granularity: Annotated[str, typer.Option(help="paragraph or sentence")] = "paragraph",
    mode: Annotated[str | None, typer.Option(help="AtMan mode")] = None,
    factor: Annotated[float | None, typer.Option(help="AtMan control factor")] = None,
    kappa: Annotated[
        float | None, typer.Option(help="AtMan correlated-suppression threshold")
    ] = None,
    verify_k: Annotated[
        int | None, typer.Option(help="atman_two_stage: units re-scored with the full scope")
    ] = None,
    ig_steps: Annotated[int, typer.Option(help="Integrated-gradients steps")] = 16,
    ablations: Annotated[int, typer.Option(help="ContextCite ablations")] = 64,
    model: Annotated[str | None, typer.Option(help="Model id or path (default: bundled)")] = None,
    threads: Annotated[
        int | None, typer.Option(help="torch threads (1 is fastest on a busy CPU)")
    ] = None,
    records: Annotated[
        Path,
        typer.Option(
            help="Result lines, appended; a rerun resumes; the "
            "summary reads every .jsonl in its folder"
        ),
    ] = Path("results/quality/records.jsonl"),
    json_out: Annotated[Path, typer.Option("--json", help="Summary JSON")] = Path(
        "results/quality.json"
    ),
    plots: Annotated[Path, typer.Option(help="Folder for the PNG plots")] = Path("results"),
    report_only: Annotated[bool, typer.Option(help="Only summarise the records file")] = False,
    device: Annotated[
        str | None, typer.Option(help="cpu or cuda (default: cuda when present)")
    ] = None,
) -> None:
    """Top-1, MRR, mAP of each method; cost; "supported" threshold calibration; plots."""

    console = Console()
    if not report_only:
        if threads:
            torch.set_num_threads(threads)
        chosen = []
        atman = {"mode": mode, "factor": factor, "kappa": kappa}
        for name in methods.split(","):
            settings = {
                "atman": atman,
                "atman_answer_side": atman,
                "atman_two_stage": {**atman, "verify_k": verify_k},
                "integrated_gradients": {"steps": ig_steps},
                "context_cite": {"num_ablations": ablations},
            }.get(name, {})
            chosen.append(baselines.get(name, **settings))
        explainer = Explainer(model, device=device, dtype="float32")
        cases = _cases(dataset, data_dir, split, k, granularity, window, explainer, per_contract)[
            offset:
        ]
        cases = cases[:limit] if limit is not None else cases

        def show(r: dict) -> None:
            best = max(range(len(r["scores"])), key=r["scores"].__getitem__)
            console.print(
                f"{r['method']} {r['case']['id'][:40]} gold={r['gold']} best={best} "
                f"{r['seconds']:.1f}s"
            )

        n = q.run(explainer, cases, chosen, records, on_record=show)
        console.print(f"{n} new results in {records}")
    # The summary covers every records file in the folder (parallel runs write their own).
    all_records = q.unique(
        [r for f in sorted(records.parent.glob("*.jsonl")) for r in q.read_records(f)]
    )
    result = q.summary(all_records)
    q.write(result, json_out)
    q.write_plots(result, all_records, plots)
    cols = [
        "dataset",
        "granularity",
        "split",
        "method",
        "n",
        "top1",
        "mrr",
        "map",
        "units_mean",
        "forward_passes",
        "backward_passes",
        "seconds",
        "device",
    ]
    console.print(_table("Evidence quality", result["table"], cols))
    if result["retrieval"]:
        console.print(
            _table(
                "Retrieval before explaining (gold chunk kept)",
                result["retrieval"],
                list(result["retrieval"][0]),
            )
        )
    if result["calibration"]:
        console.print(result["calibration"])


@app.command("verdict")
def verdict(
    data_dir: Annotated[
        Path, typer.Option(help="Folder holding contract_nli/, squad/, cuad/")
    ] = DATA_DIR,
    split: Annotated[str | None, typer.Option(help="dev or test (default both, dev first)")] = None,
    limit: Annotated[
        int, typer.Option(help="Cases per dataset and split, balanced over verdicts")
    ] = 60,
    datasets: Annotated[str, typer.Option(help="Comma-separated: contract-nli, squad, cuad")] = (
        "contract-nli,squad,cuad"
    ),
    model: Annotated[str | None, typer.Option(help="Model id or path (default: bundled)")] = None,
    threads: Annotated[
        int | None, typer.Option(help="torch threads (1 is fastest on a busy CPU)")
    ] = None,
    records: Annotated[Path, typer.Option(help="Records file (resumable)")] = Path(
        "results/verdict/records.jsonl"
    ),
    json_out: Annotated[Path, typer.Option("--json", help="Summary JSON")] = Path(
        "results/verdict.json"
    ),
    report_only: Annotated[bool, typer.Option(help="Only summarise the records file")] = False,
    device: Annotated[
        str | None, typer.Option(help="cpu or cuda (default: cuda when present)")
    ] = None,
    fit: Annotated[
        str, typer.Option(help="Fit written as the calibration: three_way or two_way")
    ] = "three_way",
) -> None:
    """Three-way verdict: calibrate on dev, confusion matrix and macro-F1 per split."""
    if split not in (None, "dev", "test"):
        raise typer.BadParameter("split must be dev or test", param_hint="--split")
    if fit not in verdict_bench.FITS:
        raise typer.BadParameter(f"use one of {verdict_bench.FITS}", param_hint="--fit")
    console = Console()
    if not report_only:
        if threads:
            torch.set_num_threads(threads)
        explainer = Explainer(model, device=device, dtype="float32")
        chosen = []
        for sp in ("dev", "test") if split is None else (split,):
            for name in datasets.split(","):
                if name == "contract-nli":
                    cases = contract_nli.load_cases(data_dir / contract_nli.DEFAULT_FILE, sp)
                elif name == "squad":
                    cases = squad.load_cases(data_dir / squad.DEFAULT_FILE, split=sp)
                    cases = cases + squad.mismatched_cases(cases)
                elif name == "cuad":
                    cases = cuad.load_cases(data_dir / cuad.DEFAULT_FILE, split=sp)
                else:
                    raise typer.BadParameter(f"unknown dataset {name!r}", param_hint="--datasets")
                chosen += verdict_bench.balanced(cases, limit)

        def show(r: dict) -> None:
            console.print(
                f"{r['dataset']} {r['split']} {r['id'][:40]} {r['expected']} {r['seconds']:.1f}s"
            )

        n = verdict_bench.run(explainer, chosen, records, on_record=show)
        console.print(f"{n} new results in {records}")
    result = verdict_bench.summary(
        q.read_records(records), name=f"{model or 'bundled'} (docqa bench verdict, dev)", chosen=fit
    )
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(result, indent=2) + "\n")
    for key, table in result["tables"].items():
        for kind in (*verdict_bench.FITS, "uncalibrated"):
            t = table[kind]
            console.print(
                f"{key} {kind}: n={t['n']} macro-F1 {t['macro_f1']} (majority "
                f"{t['majority_macro_f1']}) confusion {t['confusion']} supported precision "
                f"{t['supported_precision']}"
            )


@app.command("memory")
def memory(
    lengths: Annotated[
        str, typer.Option(help="Comma-separated sequence lengths")
    ] = "256,512,1024,2048,4096",
    units: Annotated[int, typer.Option(help="AtMan units per document")] = 4,
    model: Annotated[str | None, typer.Option(help="Model id or path (default: bundled)")] = None,
    json_out: Annotated[Path, typer.Option("--json", help="Result JSON")] = Path(
        "results/memory.json"
    ),
    plot_out: Annotated[Path, typer.Option("--plot", help="PNG plot")] = Path("results/memory.png"),
    device: Annotated[str | None, typer.Option(help="cpu (default) or cuda")] = None,
    limit_mb: Annotated[
        int, typer.Option(help="CPU: address-space cap per measurement (MB); over it = error")
    ] = 16384,
) -> None:
    """Peak memory of a forward pass, an AtMan explanation and a backward pass per length."""

    console = Console()
    tokenizer = load_model(model).tokenizer
    result = mem.run(
        tokenizer,
        EXAMPLE.read_text(),
        [int(x) for x in lengths.split(",")],
        units=units,
        model=model,
        on_row=console.print,
        device=device,
        limit_mb=limit_mb,
    )
    mem.write(result, json_out)
    mem.plot(result, plot_out)
    cols = [
        "sequence_length",
        "forward_peak_mb",
        "atman_peak_mb",
        "gradient_peak_mb",
        "atman_over_forward",
        "gradient_over_forward",
        "integrated_gradients_over_forward",
        "forward_working_mb",
        "atman_working_mb",
        "gradient_working_mb",
    ]
    console.print(_table("Peak memory", result["rows"], cols))


@app.command("startup")
def startup(
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the result JSON here")
    ] = None,
) -> None:
    """Load time of the default model: cold (de-quantise the GGUF) against the cached weights."""

    result = startup_bench.run()
    Console().print(result)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2) + "\n")


@app.command("table1")
def table1(
    data_dir: Annotated[Path, typer.Option(help="Folder holding squad/")] = DATA_DIR,
    methods: Annotated[str, typer.Option(help="Comma-separated method names")] = (
        "atman,input_x_gradient,integrated_gradients,attention"
    ),
    split: Annotated[str, typer.Option(help="dev or test")] = "test",
    limit: Annotated[int | None, typer.Option(help="At most N questions")] = None,
    max_chars: Annotated[int, typer.Option(help="Only paragraphs up to this length")] = 500,
    ig_steps: Annotated[int, typer.Option(help="Integrated-gradients steps")] = 16,
    model: Annotated[str | None, typer.Option(help="Model id or path (default: bundled)")] = None,
    threads: Annotated[int | None, typer.Option(help="torch threads")] = None,
    records: Annotated[Path, typer.Option(help="Result lines, appended; a rerun resumes")] = Path(
        "results/table1/records.jsonl"
    ),
    json_out: Annotated[Path, typer.Option("--json", help="Summary JSON")] = Path(
        "results/table1.json"
    ),
    plot_out: Annotated[Path, typer.Option("--plot", help="PNG plot")] = Path("results/table1.png"),
    report_only: Annotated[bool, typer.Option(help="Only summarise the records file")] = False,
    device: Annotated[
        str | None, typer.Option(help="cpu or cuda (default: cuda when present)")
    ] = None,
) -> None:
    """Paper Table 1: one paragraph, token units, answer tokens as positives; mAP and mAR."""

    console = Console()
    if not report_only:
        if threads:
            torch.set_num_threads(threads)
        explainer = Explainer(model, device=device, dtype="float32")
        cases = t1.load_cases(
            data_dir / "squad" / "squad-v1.1-dev-part-a.json",
            explainer.tokenizer,
            split=split,
            max_chars=max_chars,
        )[:limit]
        chosen = [
            baselines.get(n, **({"steps": ig_steps} if n == "integrated_gradients" else {}))
            for n in methods.split(",")
        ]
        q.run(
            explainer,
            cases,
            chosen,
            records,
            on_record=lambda r: console.print(
                f"{r['method']} {r['case']['id']} {r['seconds']:.1f}s"
            ),
        )
    result = t1.summary(q.read_records(records))
    q.write(result, json_out)
    t1.plot(result, plot_out)
    console.print(
        _table(
            "Paper Table 1 protocol (SQuAD, token units)",
            result["rows"],
            [
                "method",
                "questions",
                "n",
                "mAP",
                "mAR",
                "paper_mAP",
                "tokens_mean",
                "forward_passes",
                "seconds",
            ],
        )
    )
    console.print(f"random ranking mAP ~ {result['random_map_approx']}")


@app.command("load")
def load(
    json_out: Annotated[Path, typer.Option("--json", help="Write the result JSON here")] = Path(
        "results/load.json"
    ),
    uploads: Annotated[int, typer.Option(help="Documents uploaded concurrently")] = 60,
    questions: Annotated[int, typer.Option(help="Questions asked (explained by the worker)")] = 3,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once")] = 16,
    max_seconds: Annotated[float, typer.Option(help="Give up waiting after this long")] = 240.0,
) -> None:
    """Bounded load on loopback (PostgreSQL + Redis mode, one worker): requests/s, latency
    percentiles, errors, queue wait, and /healthz latency while the worker is busy."""

    result = load_bench.run(
        uploads=uploads, questions=questions, concurrency=concurrency, max_seconds=max_seconds
    )
    rows = [{"kind": kind, **values} for kind, values in result["latency"].items()]
    rows.append({"kind": "healthz (worker busy)", **result["healthz_while_worker_busy"]})
    Console().print(
        _table(
            f"Load: {result['requests']} requests in {result['seconds']} s = "
            f"{result['requests_per_s']} req/s, {result['errors']} errors",
            rows,
            ["kind", "n", "p50_ms", "p95_ms", "p99_ms", "max_ms"],
        )
    )
    Console().print(
        f"queue wait (s): documents {result['documents']['queue_wait_s']}, "
        f"questions {result['questions']['queue_wait_s']}"
    )
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(result, indent=2) + "\n")
    if result["errors"]:
        raise typer.Exit(1)
