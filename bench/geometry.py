"""`docqa bench geometry`: do highlight rectangles land on the words they name?

For each CUAD PDF: ingest it, align the cleaned text to the PDF's characters
(``ingest.geometry``), then for every evidence span compute its rectangles and read the PDF's
own text inside them back with PDFium. A span matches when that text is the span's text up to
white space, hyphens and case (what cleaning changes). Two kinds of span:

- ``clauses``: CUAD's labelled answer clauses (at least 5 words) found in the cleaned text;
- ``chunks``: the product's paragraph units, the spans the explanations score.

Baseline, same run: the same rectangles without the alignment (the n-th visible character of the
cleaned text takes the n-th visible PDF character's box), which is what a plain offset mapping
gives once cleaning has removed headers and joined hyphens. Contracts are split as in the
quality benchmark (every 4th contract of the QA file is dev).

    from bench.geometry import run
    result = run("../shared/data", limit=8)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.ingest_quality import CLAUSE_MIN_WORDS, QA_FILE, cuad_answers, fold_alnum
from ingest import Document, load_document
from ingest.geometry import TextGeometry, folded_text, same_text, span_text_under

DEV_EVERY = 4  # as bench.data.cuad: every 4th contract of the QA file is dev
KINDS = ("clauses", "chunks")


def locate(folded: tuple[str, list[int]], needle: str) -> tuple[int, int] | None:
    """Offsets of the first occurrence of ``needle`` in the text ``folded`` was made from
    (``fold_offsets``), compared as ``fold_alnum`` compares them: CUAD's text differs from the
    PDF's in punctuation and hyphenation."""
    text, offsets = folded
    target = fold_alnum(needle)
    pos = text.find(target) if target else -1
    if pos < 0:
        return None
    return offsets[pos], offsets[pos + len(target) - 1] + 1


def fold_offsets(text: str) -> tuple[str, list[int]]:
    """``fold_alnum(text)`` with, for each of its characters, its offset in ``text``."""
    parts: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        f = fold_alnum(ch)
        parts.append(f)
        offsets.extend([i] * len(f))
    return "".join(parts), offsets


def splits(qa_path: Path) -> dict[str, str]:
    data = json.loads(qa_path.read_text(encoding="utf-8"))["data"]
    return {c["pdf_filename"]: "dev" if n % DEV_EVERY == 0 else "test" for n, c in enumerate(data)}


def _check(
    data: bytes, doc: Document, geo: TextGeometry, start: int, end: int
) -> tuple[bool, bool]:
    """(reads back, first rectangle on the span's page)."""
    rects = geo.rects(start, end)
    if not rects:
        return False, False
    reads = same_text(span_text_under(data, rects), doc.text[start:end])
    return reads, rects[0].page == doc.page_at(start)


def _difference(span: str, under: str, around: int = 40) -> dict[str, str]:
    """Where the text under the rectangles first departs from the span (folded as compared)."""
    a, b = folded_text(span), folded_text(under)
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    lo = max(0, i - around)
    return {"span": a[lo : i + around], "under": b[lo : i + around]}


def run(
    data_dir: str | Path,
    *,
    limit: int | None = None,
    split: str | None = None,
    examples: int = 2,
) -> dict[str, Any]:
    """Measure the first ``limit`` CUAD PDFs (sorted by name) of ``split`` (both if None)."""
    cuad = Path(data_dir) / "cuad"
    answers = cuad_answers(cuad / QA_FILE)
    split_of = splits(cuad / QA_FILE)
    pdfs = [p for p in sorted((cuad / "pdf").iterdir()) if split in (None, split_of[p.name])]
    rows: list[dict[str, Any]] = []
    misses: list[dict[str, str]] = []
    for pdf in pdfs[:limit]:
        data = pdf.read_bytes()
        doc = load_document(pdf)
        pages = [(p.start, p.end) for p in doc.pages]
        started = time.perf_counter()
        aligned = TextGeometry(data, doc.text, pages)
        seconds = time.perf_counter() - started
        plain = TextGeometry(data, doc.text, pages, align=False)
        spans: dict[str, list[tuple[int, int]]] = {
            "clauses": [],
            "chunks": [(c.start, c.end) for c in doc.chunks],
        }
        folded = fold_offsets(doc.text)
        for ans in answers.get(pdf.name, []):
            if len(ans.split()) >= CLAUSE_MIN_WORDS and (where := locate(folded, ans)):
                spans["clauses"].append(where)
        row: dict[str, Any] = {
            "file": pdf.name,
            "split": split_of[pdf.name],
            "pages": len(doc.pages),
            "matched_chars": round(aligned.matched_share, 4),
            "align_seconds": round(seconds, 3),
        }
        for kind in KINDS:
            ok = ok_page = base_ok = 0
            for start, end in spans[kind]:
                reads, on_page = _check(data, doc, aligned, start, end)
                ok += reads
                ok_page += on_page
                base_ok += _check(data, doc, plain, start, end)[0]
                if not reads and sum(m["file"] == pdf.name for m in misses) < examples:
                    under = span_text_under(data, aligned.rects(start, end))
                    misses.append(
                        {"file": pdf.name, "kind": kind, **_difference(doc.text[start:end], under)}
                    )
            row[kind] = len(spans[kind])
            row[f"{kind}_match"] = ok
            row[f"{kind}_on_page"] = ok_page
            row[f"{kind}_match_unaligned"] = base_ok
        rows.append(row)
    return {"documents": len(rows), **_summary(rows), "per_document": rows, "misses": misses}


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("all", "dev", "test"):
        part = [r for r in rows if name == "all" or r["split"] == name]
        if not part:
            continue
        entry: dict[str, Any] = {"documents": len(part), "pages": sum(r["pages"] for r in part)}
        for kind in KINDS:
            n = sum(r[kind] for r in part)
            entry[kind] = n
            for key in ("match", "on_page", "match_unaligned"):
                entry[f"{kind}_{key}_share"] = round(
                    sum(r[f"{kind}_{key}"] for r in part) / max(n, 1), 4
                )
        out[name] = entry
    return out
