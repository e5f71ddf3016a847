"""`docqa ingest FILE [--json]`: the JSON object, the human view, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli import ingest as ingest_cli
from tests.ingest.pdfs import build_pdf

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PDF = ROOT / "examples" / "employment_contract.pdf"


def _run(*args: str):
    # The command alone, as main.py registers it (main also pulls in the engine commands).
    app = typer.Typer()
    app.command("ingest")(ingest_cli.ingest)
    app.command("unused")(lambda: None)  # two commands keep typer's sub-command parsing
    return CliRunner().invoke(app, ["ingest", *args], catch_exceptions=False)


def test_json_object_matches_design(tmp_path: Path) -> None:
    path = tmp_path / "two-pages.pdf"
    path.write_bytes(build_pdf([["1. First clause ends here."], ["2. Second clause ends here."]]))
    result = _run(str(path), "--json")
    assert result.exit_code == 0, result.output
    obj = json.loads(result.stdout)
    assert set(obj) == {"document", "text", "chunks"}
    assert set(obj["document"]) == {"name", "pages", "chars", "sha256"}
    assert obj["document"]["name"] == "two-pages.pdf"
    assert obj["document"]["pages"] == 2
    assert obj["document"]["chars"] == len(obj["text"])
    assert obj["text"] == "1. First clause ends here.\n\n2. Second clause ends here."
    assert [set(c) for c in obj["chunks"]] == [{"index", "start", "end", "page", "text"}] * 2
    for chunk in obj["chunks"]:
        assert obj["text"][chunk["start"] : chunk["end"]] == chunk["text"]
    assert [c["page"] for c in obj["chunks"]] == [1, 2]


def test_chunk_target_option(tmp_path: Path) -> None:
    path = tmp_path / "many.txt"
    path.write_text("\n\n".join(f"Clause {i} is short." for i in range(40)), encoding="utf-8")
    obj = json.loads(_run(str(path), "--json", "--chunks", "10").stdout)
    assert len(obj["chunks"]) == 10


def test_human_view_shows_pages_chunks_and_first_chunks() -> None:
    result = _run(str(EXAMPLE_PDF))
    assert result.exit_code == 0, result.output
    assert "employment_contract.pdf" in result.stdout
    assert "2 pages" in result.stdout and "15 chunks" in result.stdout
    assert "EMPLOYMENT AGREEMENT" in result.stdout
    assert "more chunks (--json for all)" in result.stdout


def test_bad_input_prints_one_line_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("not a pdf at all", encoding="utf-8")
    result = _run(str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: notes.pdf is named .pdf but its content is plain text (no %PDF header).\n"
    )


def test_real_process_has_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    from tests.ingest.pdfs import image_page_pdf

    path.write_bytes(image_page_pdf())
    code = (
        "import typer; from cli.ingest import ingest; "
        "app = typer.Typer(pretty_exceptions_enable=False); app.command()(ingest); app()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith("error: scan.pdf has no text layer")
    assert "OCR is not done" in lines[0]
