"""CUAD contracts as cases, two ways.

`load_whole_cases` (dataset "cuad-whole"): whole contracts narrowed by the product's own
retrieval, as a user's question would be. `load_cases` (dataset "cuad"): a window of ``window``
consecutive paragraph chunks, for machines too slow to explain whole contracts (a CPU takes
minutes each). Answerable: gold = the chunk holding the clause's first character.
Unanswerable (`is_impossible`): the same category's clause from another contract is the answer,
which this contract cannot support. Contracts are split: every ``dev_every``-th is dev.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path

from bench.data.case import Case, join_paragraphs, unit_holding
from explain_engine.errors import InvalidInputError
from explain_engine.retrieval import select_chunks
from ingest.segment import chunk_spans

DEFAULT_FILE = "cuad/cuad-v1-derived-qa-part-a.json"


def _short(answer: str, limit: int = 200) -> str:
    # Long clauses would dominate the cost; their first words identify them.
    answer = " ".join(answer.split())
    return answer if len(answer) <= limit else answer[:limit].rsplit(" ", 1)[0]


def _clause_by_category(data: list[dict]) -> dict[str, str]:
    """One real clause per category: the answer given to other contracts' unanswerable ones."""
    clause_of: dict[str, str] = {}
    for contract in data:
        for qa in contract["paragraphs"][0]["qas"]:
            if not qa["is_impossible"] and qa["answers"]:
                clause_of.setdefault(qa["category"], _short(qa["answers"][0]["text"]))
    return clause_of


def _questions(para: dict, clause_of: dict[str, str], per_contract: int) -> list[dict]:
    """Up to ``per_contract`` answerable questions of a contract, then as many unanswerable."""
    yes = [
        q
        for q in para["qas"]
        if not q["is_impossible"] and q["answers"] and q["answers"][0]["answer_start"] >= 0
    ]
    no = [q for q in para["qas"] if q["is_impossible"] and q["category"] in clause_of]
    return yes[:per_contract] + no[:per_contract]


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
    clause_of = _clause_by_category(data)
    out = []
    for n, contract in enumerate(data):
        sp = "dev" if n % dev_every == 0 else "test"
        if split and sp != split:
            continue
        para = contract["paragraphs"][0]
        text = para["context"]
        # ~700-character chunks: a window of them stays well inside the context budget.
        spans = chunk_spans(text, target=max(50, len(text) // 700))
        for qa in _questions(para, clause_of, per_contract):
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


def load_whole_cases(
    path: Path,
    token_count: Callable[[str], int],
    budget_tokens: int = 2048,
    split: str | None = None,
    dev_every: int = 4,
    per_contract: int = 4,
    reserve_tokens: int = 160,
) -> list[Case]:
    """Whole contracts, narrowed as the product narrows them (DESIGN 1.5).

    Each contract is cut into the product's ~50 paragraph chunks; the engine's BM25 retrieval
    (query = question + answer) keeps the chunks that fit the context budget, and every method
    scores those same chunks. Gold = the chunk holding the clause's first character; when
    retrieval dropped it, the case keeps ``gold=[]`` with ``meta["retrieved"] = False`` (the
    ranking metrics cover retrieved cases; retrieval recall is reported beside them).
    """
    data = json.loads(Path(path).read_text())["data"]
    clause_of = _clause_by_category(data)
    out = []
    for n, contract in enumerate(data):
        sp = "dev" if n % dev_every == 0 else "test"
        if split and sp != split:
            continue
        para = contract["paragraphs"][0]
        text = para["context"]
        chunks = chunk_spans(text)
        for qa in _questions(para, clause_of, per_contract):
            answerable = not qa["is_impossible"]
            answer = _short(qa["answers"][0]["text"]) if answerable else clause_of[qa["category"]]
            question = f"Which part of this contract is about {qa['category']}?"
            budget = budget_tokens - reserve_tokens - token_count(f"{question} {answer}")
            try:
                chosen = select_chunks(text, chunks, f"{question} {answer}", token_count, budget)
            except InvalidInputError:  # no chunk fits: the product would refuse it too
                continue
            narrowed, units = join_paragraphs([text[s:e] for s, e in (chunks[i] for i in chosen)])
            gold_chunk = (
                unit_holding(chunks, qa["answers"][0]["answer_start"]) if answerable else -1
            )
            gold = [chosen.index(gold_chunk)] if gold_chunk in chosen else []
            out.append(
                Case(
                    id=qa["id"],
                    dataset="cuad-whole",
                    split=sp,
                    text=narrowed,
                    question=question,
                    answer=answer,
                    units=units,
                    gold=gold,
                    answerable=answerable,
                    meta={
                        "contract": contract["title"],
                        "category": qa["category"],
                        "chunks": len(chunks),
                        "retrieved": bool(gold) if answerable else None,
                    },
                )
            )
    return out
