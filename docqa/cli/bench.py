"""`docqa bench ...`: benchmarks that print a table and write JSON under a results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Benchmarks (speed, ingestion quality, ...).", no_args_is_help=True)
DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _table(title: str, rows: list[dict], columns: list[str]) -> Table:
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    return table


@app.command("speed")
def speed(
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the result JSON here")] = None,
    modes: Annotated[str, typer.Option(help="Comma-separated modes")] = "log_additive",
    model: Annotated[str | None, typer.Option(help="Model id or path (default: bundled)")] = None,
    memory: Annotated[bool, typer.Option(help="Measure peak memory in fresh processes")] = True,
    cuad_txt: Annotated[Path | None, typer.Option(help="A CUAD .txt contract for a longer case")] = None,
) -> None:
    """Naive reference vs fast path: seconds, speed-up, score difference, FLOP floor, memory."""
    from bench import speed as speed_bench
    from explain_engine import Explainer

    explainer = Explainer(model, dtype="float32")
    result = speed_bench.run(explainer, speed_bench.default_cases(cuad_txt),
                             tuple(modes.split(",")), memory=memory)
    cols = ["case", "mode", "units", "sequence_length", "naive_seconds", "fast_seconds",
            "speedup", "max_abs_diff", "fast_forward_passes", "floor_ratio", "peak_memory_ratio",
            "working_memory_ratio"]
    Console().print(_table(f"AtMan speed ({result['model']}, "
                           f"{result['machine']['matmul_gflops']} GFLOP/s fp32)",
                           result["cases"], cols))
    if json_out:
        speed_bench.write(result, json_out)


@app.command("ingest")
def ingest_quality(
    data_dir: Annotated[Path, typer.Option(help="Folder holding cuad/")] = DATA_DIR,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the result JSON here")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N PDFs")] = None,
) -> None:
    """How much of CUAD's answer clauses PDF ingestion recovers, and seconds per page."""
    import json

    from bench.ingest_quality import run

    result = run(data_dir, limit=limit)
    summary = {k: v for k, v in result.items() if not isinstance(v, list | dict)}
    Console().print(summary)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2) + "\n")
