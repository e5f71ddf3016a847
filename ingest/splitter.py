"""langchain's recursive splitter, with its merge step made linear for ``chunk_overlap=0``.

``TextSplitter._merge_splits`` drops the pieces of a finished chunk one at a time with
``current_doc = current_doc[1:]``: quadratic in the pieces per chunk. A paragraph of one-character
pieces (a 1 MB run of spaces, a word without separators) made ingestion take minutes. This
is the same loop over a deque (same chunks, checked against the library's in
tests/ingest/test_ingest_redos.py); imported only where an oversize paragraph needs it,
since langchain-core is slow to import.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from langchain_text_splitters import RecursiveCharacterTextSplitter


class LinearMergeSplitter(RecursiveCharacterTextSplitter):
    def _merge_splits(self, splits: Iterable[str], separator: str) -> list[str]:
        separator_len = self._length_function(separator)
        docs: list[str] = []
        current: deque[str] = deque()
        total = 0
        for d in splits:
            len_ = self._length_function(d)
            if total + len_ + (separator_len if current else 0) > self._chunk_size:
                if current:
                    doc = self._join_docs(list(current), separator)
                    if doc is not None:
                        docs.append(doc)
                    while total > self._chunk_overlap or (
                        total + len_ + (separator_len if current else 0) > self._chunk_size
                        and total > 0
                    ):
                        total -= self._length_function(current[0]) + (
                            separator_len if len(current) > 1 else 0
                        )
                        current.popleft()
            current.append(d)
            total += len_ + (separator_len if len(current) > 1 else 0)
        doc = self._join_docs(list(current), separator)
        if doc is not None:
            docs.append(doc)
        return docs


def splitter(chunk_size: int) -> LinearMergeSplitter:
    """Sentence-first splitting of an oversize paragraph, keeping separators, no overlap."""
    return LinearMergeSplitter(
        chunk_size=chunk_size,
        chunk_overlap=0,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
        add_start_index=True,
    )
