"""Unit splitters: how a document is cut into the pieces whose suppression is measured.

Each splitter returns (start, end) character spans of the text. "token" is special: its units
are the model's own tokens, known only after tokenisation (see PromptInput.document_token_spans).
"""

from __future__ import annotations

from collections.abc import Callable

from explain_engine.errors import InvalidInputError
from ingest.segment import chunk_spans, sentence_spans, word_spans

Span = tuple[int, int]
Splitter = Callable[[str, int], list[Span]]

SPLITTERS: dict[str, Splitter] = {
    "paragraph": lambda text, target: chunk_spans(text, target=target),
    "sentence": lambda text, target: sentence_spans(text),
    "word": lambda text, target: word_spans(text),
}
TOKEN = "token"
GRANULARITIES = (*SPLITTERS, TOKEN)


def check_granularity(granularity: str) -> str:
    if granularity not in GRANULARITIES:
        raise InvalidInputError(
            f"unknown granularity {granularity!r}; valid: {', '.join(GRANULARITIES)}"
        )
    return granularity


def split(text: str, granularity: str, target: int = 50) -> list[Span]:
    """Character spans of ``text`` at ``granularity`` (not "token")."""
    check_granularity(granularity)
    if granularity == TOKEN:
        raise InvalidInputError("token units come from the tokenizer, not from a text splitter")
    return SPLITTERS[granularity](text, target)


def check_spans(text: str, spans: list[Span]) -> list[Span]:
    """Validate caller-given spans: inside the text, non-empty, not only whitespace."""
    out = []
    for i, span in enumerate(spans):
        try:
            s, e = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError):
            raise InvalidInputError(f"unit {i} is not a (start, end) pair: {span!r}") from None
        if not 0 <= s < e <= len(text):
            raise InvalidInputError(
                f"unit {i} span ({s}, {e}) is outside the text of {len(text)} characters"
            )
        if not text[s:e].strip():
            raise InvalidInputError(f"unit {i} span ({s}, {e}) holds only whitespace")
        out.append((s, e))
    if not out:
        raise InvalidInputError("no units to explain")
    return out


# Parts of a narrowed document are joined by a blank line, so paragraphs stay paragraphs.
JOIN = "\n\n"


def join_spans(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """``text``'s spans joined by ``JOIN`` in the given order, and where each lies in the join."""
    parts, inner, pos = [], [], 0
    for s, e in spans:
        parts.append(text[s:e])
        inner.append((pos, pos + e - s))
        pos += e - s + len(JOIN)
    return JOIN.join(parts), inner
