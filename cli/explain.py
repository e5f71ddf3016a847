"""`docqa explain FILE -q QUESTION`: the answer and the evidence it rests on."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import huggingface_hub.utils
import transformers
import typer
from rich.console import Console
from rich.text import Text

from core import verdicts
from core.explanation_settings import ExplanationSettings
from core.pipeline import explain_document, explainer_from_settings
from core.reports.html import render_explanation
from core.reports.pdf import annotate_evidence
from core.settings import get_settings
from explain_engine import ExplainError
from ingest import IngestError, load_document

SHOW_WHOLE_DOCUMENT_CHARS = 8000  # longer documents show only the chunks around the evidence
ERR = Console(stderr=True)


def quiet_libraries() -> None:
    """Keep stderr to our own lines: no hub retry chatter or weight-loading bars."""
    huggingface_hub.utils.logging.set_verbosity_error()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def _fail(message: str) -> None:
    ERR.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def explain(
    file: Annotated[Path, typer.Argument(help="A .pdf, .txt or .md document")],
    question: Annotated[str, typer.Option("-q", "--question", help="The question to explain")],
    answer: Annotated[
        str | None, typer.Option("-a", "--answer", help="Answer to check (default: generated)")
    ] = None,
    granularity: Annotated[
        str, typer.Option(help="paragraph | sentence | word | token")
    ] = "paragraph",
    mode: Annotated[str | None, typer.Option(help="log_additive | multiplicative")] = None,
    factor: Annotated[float | None, typer.Option(help="Control factor c in [0, 1)")] = None,
    kappa: Annotated[float | None, typer.Option(help="Correlated suppression threshold")] = None,
    scope: Annotated[
        str | None, typer.Option(help="full | answer_side | two_stage (DESIGN 1.7)")
    ] = None,
    verify_k: Annotated[
        int | None, typer.Option(help="two_stage: units re-scored with the full scope")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Hugging Face id or local path (default: bundled)")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
    zoom: Annotated[
        bool, typer.Option("--zoom", help="Also rank sentences, then words, of the top paragraph")
    ] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML page")
    ] = None,
    pdf: Annotated[
        Path | None,
        typer.Option("--pdf", help="Also write the PDF with the evidence highlighted (PDF only)"),
    ] = None,
) -> None:
    """Answer QUESTION about FILE and show which parts of FILE the answer rests on."""
    quiet_libraries()

    if not question.strip():
        _fail("the question is empty")
    try:  # before the document or the model loads: bad options fail at once
        options = ExplanationSettings.parse(
            granularity=granularity,
            mode=mode,
            factor=factor,
            kappa=kappa,
            scope=scope,
            verify_k=verify_k,
        )
    except ValueError as exc:
        _fail(str(exc))
    if not file.is_file():
        _fail(f"no such file: {file}")
    settings = get_settings()
    try:
        document = load_document(
            file, limits=settings.ingest_limits, target_chunks=settings.target_chunks
        )
    except IngestError as exc:
        _fail(exc.message)
    if pdf is not None and document.kind != "pdf":  # before the model loads
        _fail(f"--pdf needs a PDF document; {file.name} is a {document.kind} file")
    try:
        with ERR.status("Loading model…", spinner="dots"):
            explainer = explainer_from_settings(
                model,
                mode=options.mode,
                factor=options.factor,
                kappa=options.kappa,
                scope=options.scope,
                verify_k=options.verify_k,
            )
        result = explain_document(
            document,
            question,
            explainer=explainer,
            answer=answer,
            granularity=options.granularity,
            progress=True,
            zoom=zoom,
        )
    except ExplainError as exc:
        _fail(str(exc))
    if html is not None:
        html.write_text(render_explanation(result, document.text), encoding="utf-8")
    if pdf is not None:
        pages = [(p.start, p.end) for p in document.pages]
        annotated = annotate_evidence(
            file.read_bytes(),
            document.text,
            pages,
            result["evidence"],
            supported=result["supported"],
        )
        pdf.write_bytes(annotated)
    if json_output:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        _show(result, document.text)
        for written in (html, pdf):
            if written is not None:
                ERR.print(f"wrote {written}")


def _show(result: dict[str, Any], text: str) -> None:
    out = Console(width=min(110, os.get_terminal_size().columns if os.isatty(1) else 110))
    label = verdicts.label_of(result)
    verdict = f"[{verdicts.COLOURS.get(label, '#6B6B6B')}]{verdicts.text_of(label)}[/]"
    if result.get("verdict"):
        verdict += f", confidence {result['verdict']['confidence']:.2f}"
    out.print(f"[bold]Q:[/bold] {result['question']}", highlight=False)
    source = result["answer_source"]
    if result.get("answer_trimmed"):
        source += ", cut at the token limit and trimmed to its last full sentence"
    out.print(
        f"[bold]A:[/bold] {result['answer']}  ({source}; {verdict})",
        highlight=False,
    )
    cost = result["cost"]
    out.print(
        f"[dim]{result['model']}, AtMan {result['method']['mode']} "
        f"factor {result['method']['factor']}, {result['method']['scope']} scope, "
        f"{result['method']['granularity']} units, "
        f"{cost['forward_passes']} passes in {cost['seconds']:.1f}s[/dim]"
    )
    out.print()
    for rank, ev in enumerate(result["evidence"], 1):
        snippet = " ".join(ev["text"].split())
        out.print(
            f"[bold]#{rank}[/bold] page {ev['page']}, score {ev['score']:.3f}: {snippet[:300]}",
            highlight=False,
        )
    for level in result.get("zoom", []):
        top = sorted(level["units"], key=lambda u: u["score"], reverse=True)[:3]
        picks = " | ".join(f"{text[u['start'] : u['end']]} ({u['score']:.3f})" for u in top)
        out.print(f"[bold]zoom, {level['granularity']}s:[/bold] {picks}", highlight=False)
    out.print()
    out.print(_highlighted(result, text))


def _highlighted(result: dict[str, Any], text: str) -> Text:
    """The document (or, when long, the part around the evidence) with evidence on colour."""
    evidence = result["evidence"]
    start, end = 0, len(text)
    if len(text) > SHOW_WHOLE_DOCUMENT_CHARS and evidence:
        start = max(0, min(e["start"] for e in evidence) - 600)
        end = min(len(text), max(e["end"] for e in evidence) + 600)
    shown = Text(("…" if start else "") + text[start:end] + ("…" if end < len(text) else ""))
    shift = 1 if start else 0
    best = max((e["score"] for e in evidence), default=1.0) or 1.0
    for e in evidence:
        strong = e["score"] >= 0.6 * best
        style = "bold black on yellow" if strong else "black on bright_yellow"
        shown.stylize(style, e["start"] - start + shift, e["end"] - start + shift)
    return shown
