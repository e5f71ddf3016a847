"""Ingestion: PDF, text and Markdown files to page-aware text and paragraph chunks.

``load_document("contract.pdf")`` gives a Document with ``.text`` (the cleaned text every
offset points into), ``.pages``, ``.chunks`` and ``.to_dict()`` (the ``docqa ingest --json``
object); bad input raises a typed ``IngestError``.
"""

from ingest.document import Chunk, Document, Page
from ingest.errors import (
    CorruptFileError,
    EmptyDocumentError,
    EncryptedFileError,
    FileTooLargeError,
    FileTypeMismatchError,
    IngestError,
    IngestTimeoutError,
    NoTextLayerError,
    TooManyPagesError,
    UnsupportedFileTypeError,
)
from ingest.limits import IngestLimits
from ingest.load import load_bytes, load_document

__all__ = [
    "Chunk",
    "CorruptFileError",
    "Document",
    "EmptyDocumentError",
    "EncryptedFileError",
    "FileTooLargeError",
    "FileTypeMismatchError",
    "IngestError",
    "IngestLimits",
    "IngestTimeoutError",
    "NoTextLayerError",
    "Page",
    "TooManyPagesError",
    "UnsupportedFileTypeError",
    "load_bytes",
    "load_document",
]
