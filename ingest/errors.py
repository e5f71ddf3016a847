"""Typed ingestion errors: each carries a short ``code`` and the HTTP status the service returns.

Messages are one sentence naming the file, so the CLI and the API can show them as they are.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base class: a document that cannot be turned into text."""

    code: str = "ingest_error"
    http_status: int = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str | int]:
        return {"code": self.code, "message": self.message, "http_status": self.http_status}


class CorruptFileError(IngestError):
    code = "corrupt_file"
    http_status = 422


class EncryptedFileError(IngestError):
    code = "encrypted_file"
    http_status = 422


class NoTextLayerError(IngestError):
    code = "no_text_layer"
    http_status = 422


class EmptyDocumentError(IngestError):
    code = "empty_document"
    http_status = 422


class UnsupportedFileTypeError(IngestError):
    code = "unsupported_file_type"
    http_status = 415


class FileTypeMismatchError(IngestError):
    code = "file_type_mismatch"
    http_status = 415


class FileTooLargeError(IngestError):
    code = "file_too_large"
    http_status = 413


class TooManyPagesError(IngestError):
    code = "too_many_pages"
    http_status = 413


class IngestTimeoutError(IngestError):
    code = "ingest_timeout"
    http_status = 422
