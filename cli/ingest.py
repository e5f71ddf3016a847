"""`docqa ingest FILE [--json]`: show what ingestion makes of a document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.settings import get_settings
from ingest import Document, IngestError, load_document

PREVIEW_CHUNKS = 5
PREVIEW_CHARS = 160


def ingest(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A .pdf, .txt or .md file")
    ],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the DESIGN 2.1 ingest JSON object")
    ] = False,
    chunks: Annotated[
        int | None, typer.Option(min=1, help="Target number of chunks (default from settings)")
    ] = None,
) -> None:
    """Extract a document's text, pages and paragraph chunks."""
    target = chunks or get_settings().target_chunks
    try:
        document = load_document(file, limits=get_settings().ingest_limits, target_chunks=target)
    except IngestError as exc:
        # One clear line on stderr, no traceback: these are the user's file, not our bug.
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(code=1) from None
    if json_output:
        typer.echo(json.dumps(document.to_dict(), ensure_ascii=False))
        return
    _show(document)


def _show(document: Document) -> None:
    console = Console()
    summary = document.summary()
    console.print(f"[bold]{summary['name']}[/bold]")
    console.print(
        f"{_count(summary['pages'], 'page')}, {_count(summary['chars'], 'character')}, "
        f"{_count(len(document.chunks), 'chunk')}, sha256 {summary['sha256'][:16]}…"
    )
    for warning in document.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    table = Table("chunk", "page", "chars", "text", show_lines=False)
    for chunk in document.chunks[:PREVIEW_CHUNKS]:
        preview = " ".join(chunk.text.split())
        if len(preview) > PREVIEW_CHARS:
            preview = preview[: PREVIEW_CHARS - 1] + "…"
        table.add_row(str(chunk.index), str(chunk.page), str(chunk.end - chunk.start), preview)
    console.print(table)
    if len(document.chunks) > PREVIEW_CHUNKS:
        console.print(f"… and {len(document.chunks) - PREVIEW_CHUNKS} more chunks (--json for all)")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
