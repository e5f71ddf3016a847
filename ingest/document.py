"""The ingested document: cleaned text, page ranges and chunks, all by character offset."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from ingest.segment import Span, sentence_spans, word_spans


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    start: int  # character range of this page's text in Document.text
    end: int


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    page: int  # page of the chunk's first character
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "page": self.page,
            "text": self.text,
        }


@dataclass
class Document:
    name: str
    text: str
    pages: list[Page]
    sha256: str  # of the original file bytes, not of the text
    chunks: list[Chunk] = field(default_factory=list)
    kind: str = "txt"  # "pdf", "txt" or "md"
    # Things a user may want to know that did not stop ingestion (e.g. a latin-1 fallback).
    warnings: list[str] = field(default_factory=list)

    def page_at(self, offset: int) -> int:
        """1-based page holding character ``offset`` (separators belong to the page before)."""
        if not self.pages:
            return 1
        starts = [p.start for p in self.pages]
        i = bisect.bisect_right(starts, offset) - 1
        return self.pages[max(i, 0)].number

    def sentences(self, chunk: Chunk) -> list[Span]:
        """Sentence spans inside ``chunk``, as offsets into ``self.text``."""
        return sentence_spans(self.text, chunk.start, chunk.end)

    def words(self, chunk: Chunk) -> list[Span]:
        """Word spans inside ``chunk``, as offsets into ``self.text``."""
        return word_spans(self.text, chunk.start, chunk.end)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pages": len(self.pages),
            "chars": len(self.text),
            "sha256": self.sha256,
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``docqa ingest --json`` object (DESIGN 2.1)."""
        return {
            "document": self.summary(),
            "text": self.text,
            "chunks": [c.to_dict() for c in self.chunks],
        }
