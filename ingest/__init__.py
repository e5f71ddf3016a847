"""Ingestion: PDF, text and Markdown files to page-aware text and paragraph chunks.

    from ingest import load_document
    doc = load_document("contract.pdf")
    doc.text, doc.pages, doc.chunks, doc.to_dict()
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
