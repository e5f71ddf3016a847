"""`docqa audit ITEMS.csv --documents DIR --out report.html|csv|json`: check a spreadsheet of
answers against their contracts, locally on the embedded default."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core import verdicts
from core.audit import AuditItemsError, parse_items_csv, run_local_audit
from core.explanation_settings import ExplanationSettings
from core.pipeline import explainer_from_settings
from core.reports.formats import format_of, render_report

console = Console(stderr=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _explainer(model: str | None) -> Any:
    return explainer_from_settings(model)


def audit(
    items: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="CSV with columns document, question, answer"
        ),
    ],
    documents: Annotated[
        Path,
        typer.Option(
            "--documents", "-d", exists=True, file_okay=False, help="Folder holding the documents"
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="report.html, report.csv or .json")],
    granularity: Annotated[str, typer.Option(help="paragraph|sentence|word|token")] = "paragraph",
    mode: Annotated[str | None, typer.Option(help="log_additive|multiplicative")] = None,
    factor: Annotated[float | None, typer.Option(help="AtMan control factor in [0, 1)")] = None,
    kappa: Annotated[float | None, typer.Option(help="correlated suppression threshold")] = None,
    model: Annotated[str | None, typer.Option(help="HF model id or path; default bundled")] = None,
) -> None:
    """Explain each item's answer against its document and write a report.

    Items name a file inside --documents; an empty answer lets the model answer. A failed
    item is recorded with its error and the audit goes on. The report format follows --out.
    """
    try:  # checked before any work, so a typo does not fail every item of a long audit
        options = ExplanationSettings.parse(
            granularity=granularity, mode=mode, factor=factor, kappa=kappa
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        fmt = format_of(out)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--out") from exc
    try:
        parsed = parse_items_csv(items.read_text(encoding="utf-8"))
    except (AuditItemsError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"{items}: {exc}", param_hint="ITEMS") from exc
    out.parent.mkdir(parents=True, exist_ok=True)

    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        task = progress.add_task("Auditing", total=len(parsed), failed=0)

        def load() -> Any:
            progress.update(task, description="Loading the model")
            explainer = _explainer(model)
            progress.update(task, description="Auditing")
            return explainer

        def advance(state: dict[str, Any], index: int) -> None:
            progress.update(task, advance=1, failed=state["progress"]["failed"])
            if not console.is_terminal:  # no live bar in a log: one line per item instead
                item = state["items"][index]
                outcome = item["error"] or verdicts.text_of(verdicts.label_of(item["result"]))
                console.print(f"[{index + 1}/{len(parsed)}] {item['document']}: {outcome}")

        # SIGTERM (a CI timeout, `kill`) ends the audit like Ctrl-C: the report is still written.
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
        try:
            result, texts = run_local_audit(
                parsed, documents, load_explainer=load, explanation=options, on_item=advance
            )
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, previous)

    # Written even after Ctrl-C: the items that finished are kept.
    out.write_text(render_report(result, texts, fmt), encoding="utf-8")
    done = [i for i in result["items"] if i["status"] == "done"]
    counted = verdicts.counts(i["result"] for i in done)
    console.print(
        f"{len(done)} explained ("
        + ", ".join(f"{n} {verdicts.text_of(label)}" for label, n in counted.items())
        + f"), {result['progress']['failed']} failed -> {out}"
    )
    for item in result["items"]:
        if item["status"] == "failed":
            console.print(f"  [red]item {item['index']}[/red] {item['document']}: {item['error']}")
    if result["status"] == "interrupted":
        console.print("[yellow]interrupted[/yellow]: the report holds the items that finished")
        raise typer.Exit(130)
