"""Batch audits: reading the items, and the audit JSON that the CLI and the API both produce.

The audit JSON (what `docqa audit --out x.json` writes and the reports render)::

    {"id": str | None, "created_at": ISO-8601 str, "status": "running" | "done" | "interrupted",
     "model": str | None, "method": {...DESIGN 2.1 method...} | None,
     "code_version": {"docqa": str, "git_commit": str | None},
     "progress": {"total": int, "done": int, "failed": int},
     "items": [{"index": int, "document": str, "question": str, "answer": str | None,
                "status": "queued" | "running" | "done" | "failed", "error": str | None,
                "result": {...the `docqa explain --json` object...} | None}]}

``answer`` is the answer under audit (None: the model answers); ``result.answer_source`` says
which happened.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import core
from core.explanation_settings import ExplanationSettings
from core.pipeline import explain_document
from core.settings import get_settings
from ingest import load_document

REQUIRED_COLUMNS = ("document", "question")
MAX_ITEMS = 1000


class AuditItemsError(ValueError):
    """The items file is malformed; the message names the row or column."""


# C0 control characters and DEL, except tab and line feed (a CR LF is read as a line feed):
# NUL cannot be stored in PostgreSQL text, and a bare CR ends a row in some spreadsheets.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def check_text(value: str) -> str:
    """``value`` with CR LF read as LF; ValueError naming a control character it holds."""
    value = value.replace("\r\n", "\n")
    if (found := _CONTROL.search(value)) is not None:
        raise ValueError(f"control character U+{ord(found.group()):04X} is not allowed")
    return value


@dataclass(frozen=True)
class AuditItem:
    document: str
    question: str
    answer: str | None = None  # None or empty: the model answers


def parse_items_csv(text: str, *, max_items: int = MAX_ITEMS) -> list[AuditItem]:
    """Items from CSV text with a header row ``document,question[,answer]``.

    Column names are matched case-insensitively; extra columns are ignored (spreadsheets
    often carry notes). An empty ``answer`` means the model answers.
    """
    text = text.removeprefix("\ufeff")  # Excel writes a BOM
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise AuditItemsError(
            "the items CSV is empty (expected a header: document,question,answer)"
        )
    names = {name.strip().lower(): name for name in reader.fieldnames if name}
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise AuditItemsError(
            f"the items CSV lacks column(s) {', '.join(missing)}; "
            f"found {', '.join(reader.fieldnames)}"
        )
    items = []
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's size limit, a stray quote
            raise AuditItemsError(f"line {reader.line_num}: {exc}") from exc
        line = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line
        try:
            document = check_text(row.get(names["document"]) or "").strip()
            question = check_text(row.get(names["question"]) or "").strip()
            answer = check_text(row.get(names["answer"]) or "").strip() if "answer" in names else ""
        except ValueError as exc:
            raise AuditItemsError(f"line {line}: {exc}") from exc
        if not document or not question:
            raise AuditItemsError(f"line {line}: document and question must not be empty")
        items.append(AuditItem(document, question, answer or None))
        if len(items) > max_items:
            raise AuditItemsError(f"too many items: at most {max_items} per audit")
    if not items:
        raise AuditItemsError("the items CSV has a header but no items")
    return items


@lru_cache
def code_version() -> dict[str, str | None]:
    """docqa's version plus the git commit of the checkout it runs from, when there is one."""
    commit = None
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=Path(core.__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if out.returncode == 0:
            commit = out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass  # no git (an installed wheel, a container): the version alone
    return {"docqa": core.__version__, "git_commit": commit}


def new_audit(items: list[AuditItem], *, audit_id: str | None = None) -> dict[str, Any]:
    """The audit JSON before any item ran."""
    return {
        "id": audit_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": "running",
        "model": None,
        "method": None,
        "code_version": code_version(),
        "progress": {"total": len(items), "done": 0, "failed": 0},
        "items": [
            {
                "index": i,
                "document": item.document,
                "question": item.question,
                "answer": item.answer,
                "status": "queued",
                "error": None,
                "result": None,
            }
            for i, item in enumerate(items)
        ],
    }


def record_result(audit: dict[str, Any], index: int, result: dict[str, Any]) -> None:
    """Store one item's explanation; the first result fixes the audit's model and method."""
    item = audit["items"][index]
    item.update(status="done", error=None, result=result)
    audit["progress"]["done"] += 1
    if audit["model"] is None:
        audit["model"] = result.get("model")
        audit["method"] = result.get("method")
    _finish_if_complete(audit)


def record_failure(audit: dict[str, Any], index: int, error: str) -> None:
    item = audit["items"][index]
    item.update(status="failed", error=error, result=None)
    audit["progress"]["failed"] += 1
    _finish_if_complete(audit)


def _finish_if_complete(audit: dict[str, Any]) -> None:
    progress = audit["progress"]
    if progress["done"] + progress["failed"] >= progress["total"]:
        audit["status"] = "done"


def resolve_document(documents_dir: Path, name: str) -> Path:
    """The file ``name`` inside ``documents_dir``; names that climb out of it are refused."""
    root = documents_dir.resolve()
    path = (root / name).resolve()
    if path.parent != root and root not in path.parents:
        raise FileNotFoundError(f"document {name!r} is not inside {documents_dir}")
    if not path.is_file():
        raise FileNotFoundError(f"document {name!r} not found in {documents_dir}")
    return path


def error_message(exc: BaseException) -> str:
    """One line for the report: the library's own message, with its type when it has none."""
    message = getattr(exc, "message", None) or str(exc)
    return message if message else type(exc).__name__


def run_local_audit(
    items: list[AuditItem],
    documents_dir: Path,
    *,
    load_explainer: Callable[[], Any],
    explanation: ExplanationSettings | None = None,
    on_item: Callable[[dict[str, Any], int], None] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Run every item here, one after another, on one shared explainer.

    ``load_explainer()`` is called once, when the first document has loaded (an audit whose
    documents are all missing never loads the model). Returns the audit JSON and the text of
    each document that loaded (for the HTML report). A failing item (missing file, unreadable
    PDF, engine error) is recorded with its message and the audit goes on.
    ``on_item(audit, index)`` is called after each item.
    """
    audit = new_audit(items)
    loaded: dict[str, Any] = {}  # name -> Document, or the exception that loading raised
    try:
        _run_items(audit, items, documents_dir, loaded, load_explainer, explanation, on_item)
    except KeyboardInterrupt:
        audit["status"] = "interrupted"  # the caller still writes what finished
        for item in audit["items"]:
            if item["status"] == "running":
                item["status"] = "queued"  # never finished: not run, rather than half-run
    texts = {name: doc.text for name, doc in loaded.items() if not isinstance(doc, Exception)}
    return audit, texts


def _run_items(
    audit: dict[str, Any],
    items: list[AuditItem],
    documents_dir: Path,
    loaded: dict[str, Any],
    load_explainer: Callable[[], Any],
    explanation: ExplanationSettings | None,
    on_item: Callable[[dict[str, Any], int], None] | None,
) -> None:
    settings = get_settings()
    explainer = None
    for index, item in enumerate(items):
        audit["items"][index]["status"] = "running"
        try:
            if item.document not in loaded:
                try:
                    loaded[item.document] = load_document(
                        resolve_document(documents_dir, item.document),
                        limits=settings.ingest_limits,
                        target_chunks=settings.target_chunks,
                    )
                except Exception as exc:  # recorded per item, audit goes on
                    loaded[item.document] = exc
            document = loaded[item.document]
            if isinstance(document, Exception):
                raise document
            if explainer is None:
                explainer = load_explainer()
            result = explain_document(
                document,
                item.question,
                explainer=explainer,
                answer=item.answer,
                **(explanation or ExplanationSettings()).engine_options(),
            )
        except Exception as exc:  # a failed item must not fail the audit
            record_failure(audit, index, error_message(exc))
        else:
            record_result(audit, index, result)
        if on_item is not None:
            on_item(audit, index)
