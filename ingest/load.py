"""Entry points: a file or its bytes in, a Document (text, pages, chunks) out."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePath

from ingest import text as plain
from ingest.clean import clean_pages
from ingest.document import Chunk, Document, Page
from ingest.errors import (
    CorruptFileError,
    EmptyDocumentError,
    FileTooLargeError,
    NoTextLayerError,
)
from ingest.filetype import detect
from ingest.limits import IngestLimits
from ingest.pdf import read_pdf
from ingest.segment import chunk_spans


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MiB"
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} bytes"


def _too_large(name: str, size: int, limits: IngestLimits) -> FileTooLargeError:
    return FileTooLargeError(
        f"{name} is {_size(size)}, more than the upload limit of {_size(limits.max_bytes)}."
    )


def load_document(
    path: str | os.PathLike[str],
    *,
    limits: IngestLimits | None = None,
    target_chunks: int = 50,
) -> Document:
    """Ingest the file at ``path`` (.pdf, .txt or .md)."""
    limits = limits or IngestLimits()
    path = Path(path)
    size = path.stat().st_size
    # Refuse before reading a huge file into memory.
    if size > limits.max_bytes:
        raise _too_large(path.name, size, limits)
    return load_bytes(path.read_bytes(), path.name, limits=limits, target_chunks=target_chunks)


def load_bytes(
    data: bytes,
    filename: str,
    *,
    limits: IngestLimits | None = None,
    target_chunks: int = 50,
) -> Document:
    """Ingest a file's bytes; ``filename`` gives the name and, with the content, the type."""
    limits = limits or IngestLimits()
    name = PurePath(filename).name or filename
    if len(data) > limits.max_bytes:
        raise _too_large(name, len(data), limits)
    if not data.strip():
        raise EmptyDocumentError(f"{name} is empty.")
    kind = detect(data, name)
    warnings: list[str] = []

    if kind == "pdf":
        pdf_pages = read_pdf(data, name, limits)
        text, ranges = clean_pages(pdf_pages)
        if not text.strip():
            if any(p.has_images for p in pdf_pages):
                raise NoTextLayerError(
                    f"{name} has no text layer; it looks like a scanned document, "
                    "and OCR is not done here."
                )
            raise EmptyDocumentError(f"{name} contains no text.")
        blank = [i + 1 for i, (s, e) in enumerate(ranges) if s == e and pdf_pages[i].has_images]
        if blank:
            warnings.append(
                f"pages {', '.join(map(str, blank))} have no text layer (scanned?); "
                "their content is missing because OCR is not done"
            )
    else:
        decoded, warning = plain.decode(data)
        if warning:
            warnings.append(warning)
        # One page per form feed: counted before any page is built.
        limits.check_pages(name, decoded.count("\f") + 1)
        page_texts = plain.pages_of(decoded)
        text, ranges = _join_pages(page_texts)
        if not text.strip():
            raise EmptyDocumentError(f"{name} contains no text.")

    pages = [Page(number=i + 1, start=s, end=e) for i, (s, e) in enumerate(ranges)]
    doc = Document(
        name=name,
        text=text,
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        warnings=warnings,
    )
    doc.chunks = [
        Chunk(index=i, start=s, end=e, page=doc.page_at(s), text=text[s:e])
        for i, (s, e) in enumerate(chunk_spans(text, target_chunks))
    ]
    if not doc.chunks:  # cannot happen for non-blank text; keep the invariant explicit
        raise CorruptFileError(f"{name} produced no text chunks.")
    return doc


def _join_pages(page_texts: list[str]) -> tuple[str, list[tuple[int, int]]]:
    parts: list[str] = []
    ranges: list[tuple[int, int]] = []
    length = 0
    for page in page_texts:
        if page.strip() and length:
            parts.append("\n\n")
            length += 2
        ranges.append((length, length + len(page)))
        parts.append(page)
        length += len(page)
    return "".join(parts), ranges
