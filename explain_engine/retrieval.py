"""Narrow a long document to the chunks most relevant to the question (DESIGN 1.5)."""

from __future__ import annotations

import re
from collections.abc import Callable

from rank_bm25 import BM25Okapi

from explain_engine.errors import InvalidInputError

Span = tuple[int, int]
_TOKEN = re.compile(r"\w+")


def _terms(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def bm25_rank(text: str, chunks: list[Span], query: str) -> list[int]:
    """Chunk indices, most relevant first (ties keep document order)."""
    bm25 = BM25Okapi([_terms(text[s:e]) or ["_"] for s, e in chunks])
    scores = bm25.get_scores(_terms(query))
    return sorted(range(len(chunks)), key=lambda i: (-scores[i], i))


RETRIEVERS: dict[str, Callable[[str, list[Span], str], list[int]]] = {"bm25": bm25_rank}


def select_chunks(
    text: str,
    chunks: list[Span],
    query: str,
    token_count: Callable[[str], int],
    budget_tokens: int,
    retriever: str = "bm25",
) -> list[int]:
    """Indices (in document order) of the most relevant chunks that fit the token budget."""
    if retriever not in RETRIEVERS:
        raise InvalidInputError(f"unknown retriever {retriever!r}; valid: {', '.join(RETRIEVERS)}")
    chosen: list[int] = []
    used = 0
    for i in RETRIEVERS[retriever](text, chunks, query):
        n = token_count(text[chunks[i][0] : chunks[i][1]]) + 2  # + separator
        if used + n > budget_tokens:
            continue
        chosen.append(i)
        used += n
    if not chosen:
        raise InvalidInputError(
            f"no chunk of the document fits the context budget of {budget_tokens} tokens"
        )
    return sorted(chosen)
