"""How close PDF ingestion comes to the official CUAD text, and how fast it is.

For each CUAD PDF: ingest it, then look for every CUAD answer clause of that contract in the
extracted text after folding case and whitespace (quotes and dashes unified, since the CUAD
text uses straight quotes where the PDF prints curly ones). A second, looser fold keeps only
letters and digits, which forgives punctuation and hyphenation differences. Also reported:
the share of the CUAD text's word 8-grams present in the extraction (and the reverse), and the
ingestion time per page.

    from bench.ingest_quality import run
    result = run("../shared/data")   # data_dir holds cuad/pdf, cuad/txt and the QA json
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

from ingest import load_document

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
    }
)
_SPACE = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_HYPHEN_SPACE = re.compile(r"(?<=[a-z])- (?=[a-z])")

QA_FILE = "cuad-v1-derived-qa-part-a.json"
CLAUSE_MIN_WORDS = 5  # shorter answers are names and dates, not clauses


def fold(text: str) -> str:
    """Whitespace and case folded text (quotes and dashes unified)."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip().casefold()


def fold_hyphens(text: str) -> str:
    """``fold`` plus "non- exclusive" -> "non-exclusive": CUAD's text keeps the space after a
    hyphen where the PDF line broke; the ingestion joins such words, as a reader would."""
    return _HYPHEN_SPACE.sub("-", fold(text))


def fold_alnum(text: str) -> str:
    """Only letters and digits, lower case: forgives punctuation and hyphenation."""
    return _NON_ALNUM.sub("", fold(text))


def _shingles(text: str, n: int = 8) -> set[tuple[str, ...]]:
    words = _NON_ALNUM.sub(" ", fold(text)).split()
    return {tuple(words[i : i + n]) for i in range(max(len(words) - n + 1, 0))}


def cuad_answers(qa_path: Path) -> dict[str, list[str]]:
    """Distinct answer texts per PDF file name."""
    data = json.loads(qa_path.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for article in data["data"]:
        texts: list[str] = []
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                texts.extend(a["text"] for a in qa.get("answers", []) if a["text"].strip())
        out[article["pdf_filename"]] = list(dict.fromkeys(texts))
    return out


def run(data_dir: str | Path, *, limit: int | None = None, examples: int = 3) -> dict[str, Any]:
    """Measure every CUAD PDF under ``data_dir``/cuad (the first ``limit`` when given)."""
    cuad = Path(data_dir) / "cuad"
    answers = cuad_answers(cuad / QA_FILE)
    pdfs = sorted((cuad / "pdf").iterdir())[:limit]
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    for pdf in pdfs:
        started = time.perf_counter()
        doc = load_document(pdf)
        seconds = time.perf_counter() - started
        folded, hyphens, alnum = fold(doc.text), fold_hyphens(doc.text), fold_alnum(doc.text)
        found = found_alnum = clauses = clauses_found = clauses_hyphens = clauses_alnum = 0
        texts = answers.get(pdf.name, [])
        for ans in texts:
            hit = fold(ans) in folded
            hit_hyphens = fold_hyphens(ans) in hyphens
            hit_alnum = fold_alnum(ans) in alnum
            found += hit
            found_alnum += hit_alnum
            if len(ans.split()) >= CLAUSE_MIN_WORDS:
                clauses += 1
                clauses_found += hit
                clauses_hyphens += hit_hyphens
                clauses_alnum += hit_alnum
                if not hit_hyphens and sum(f["file"] == pdf.name for f in failures) < examples:
                    failures.append(
                        {"file": pdf.name, "answer": ans[:300], "found_alnum": str(hit_alnum)}
                    )
        txt = cuad / "txt" / (pdf.stem + ".txt")
        official = _shingles(txt.read_text(encoding="utf-8", errors="replace"))
        ours = _shingles(doc.text)
        rows.append(
            {
                "file": pdf.name,
                "pages": len(doc.pages),
                "chunks": len(doc.chunks),
                "seconds": round(seconds, 3),
                "ms_per_page": round(1000 * seconds / len(doc.pages), 1),
                "answers": len(texts),
                "answers_found": found,
                "answers_found_alnum": found_alnum,
                "clauses": clauses,
                "clauses_found": clauses_found,
                "clauses_found_hyphens": clauses_hyphens,
                "clauses_found_alnum": clauses_alnum,
                "ngram_recall": round(len(official & ours) / max(len(official), 1), 4),
                "ngram_precision": round(len(official & ours) / max(len(ours), 1), 4),
            }
        )

    def total(key: str) -> int:
        return sum(r[key] for r in rows)

    pages = total("pages")
    seconds = sum(r["seconds"] for r in rows)
    return {
        "documents": len(rows),
        "pages": pages,
        "answers": total("answers"),
        "answer_found_share": round(total("answers_found") / max(total("answers"), 1), 4),
        "answer_found_share_alnum": round(
            total("answers_found_alnum") / max(total("answers"), 1), 4
        ),
        "clauses": total("clauses"),
        "clause_found_share": round(total("clauses_found") / max(total("clauses"), 1), 4),
        "clause_found_share_hyphens": round(
            total("clauses_found_hyphens") / max(total("clauses"), 1), 4
        ),
        "clause_found_share_alnum": round(
            total("clauses_found_alnum") / max(total("clauses"), 1), 4
        ),
        "ngram_recall_mean": round(sum(r["ngram_recall"] for r in rows) / max(len(rows), 1), 4),
        "ngram_precision_mean": round(
            sum(r["ngram_precision"] for r in rows) / max(len(rows), 1), 4
        ),
        "seconds": round(seconds, 2),
        "ms_per_page": round(1000 * seconds / max(pages, 1), 1),
        "max_ms_per_page": max((r["ms_per_page"] for r in rows), default=0.0),
        "per_document": rows,
        "clause_misses": failures,
    }


if __name__ == "__main__":  # pragma: no cover - manual use: python -m bench.ingest_quality DIR
    result = run(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
