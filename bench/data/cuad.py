"""CUAD contracts as cases: a window of consecutive paragraph chunks of the official text.

A whole contract is ~8k tokens; at this machine's speed one explanation of it takes tens of
minutes, so each case is a window of ``window`` chunks (the engine's own paragraph chunking of
the whole contract). Answerable: the window holds the clause's first character, at a position
that varies by question; gold = the chunk holding it. Unanswerable (`is_impossible`): a window
of the same contract, explained with the same category's clause from another contract as the
answer, which this contract cannot support. Contracts are split: every ``dev_every``-th is dev.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

from bench.data.case import Case, unit_holding
from ingest.segment import chunk_spans

DEFAULT_FILE = "cuad/cuad-v1-derived-qa-part-a.json"


def _short(answer: str, limit: int = 200) -> str:
    # Long clauses would dominate the cost; their first words identify them.
    answer = " ".join(answer.split())
    return answer if len(answer) <= limit else answer[:limit].rsplit(" ", 1)[0]


def _window(spans: list[tuple[int, int]], centre: int, size: int, seed: str) -> int:
    shift = zlib.crc32(seed.encode()) % size  # where the gold chunk sits in its window
    return max(0, min(len(spans) - size, centre - shift))


def load_cases(
    path: Path,
    window: int = 6,
    split: str | None = None,
    dev_every: int = 4,
    per_contract: int = 2,
    max_chars: int = 6000,
) -> list[Case]:
    """Up to ``per_contract`` answerable and as many unanswerable cases per contract."""
    data = json.loads(Path(path).read_text())["data"]
    clause_of: dict[str, str] = {}
    for contract in data:
        for qa in contract["paragraphs"][0]["qas"]:
            if not qa["is_impossible"] and qa["answers"]:
                clause_of.setdefault(qa["category"], _short(qa["answers"][0]["text"]))
    out = []
    for n, contract in enumerate(data):
        sp = "dev" if n % dev_every == 0 else "test"
        if split and sp != split:
            continue
        para = contract["paragraphs"][0]
        text = para["context"]
        # ~700-character chunks: a window of them stays well inside the context budget.
        spans = chunk_spans(text, target=max(50, len(text) // 700))
        yes = [
            q
            for q in para["qas"]
            if not q["is_impossible"] and q["answers"] and q["answers"][0]["answer_start"] >= 0
        ][:per_contract]
        no = [q for q in para["qas"] if q["is_impossible"]]
        no = [q for q in no if q["category"] in clause_of][:per_contract]
        for qa in yes + no:
            answerable = not qa["is_impossible"]
            if answerable:
                centre = unit_holding(spans, qa["answers"][0]["answer_start"])
                answer = _short(qa["answers"][0]["text"])
            else:
                centre = zlib.crc32(qa["id"].encode()) % len(spans)
                answer = clause_of[qa["category"]]
            w0 = _window(spans, centre, window, qa["id"])
            chosen = spans[w0 : w0 + window]
            base = chosen[0][0]
            sub = text[base : chosen[-1][1]]
            if len(sub) > max_chars:  # an unsplittable block: would not fit the context budget
                continue
            units = [(s - base, e - base) for s, e in chosen]
            gold = [centre - w0] if answerable else []
            out.append(
                Case(
                    id=qa["id"],
                    dataset="cuad",
                    split=sp,
                    text=sub,
                    question=f"Which part of this contract is about {qa['category']}?",
                    answer=answer,
                    units=units,
                    gold=gold,
                    answerable=answerable,
                    meta={"contract": contract["title"], "category": qa["category"]},
                )
            )
    return out
