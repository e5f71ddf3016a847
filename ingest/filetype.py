"""Decide a file's type from its content and its extension, and refuse when they disagree."""

from __future__ import annotations

from pathlib import PurePath

from ingest.errors import FileTypeMismatchError, UnsupportedFileTypeError

EXTENSIONS = {".pdf": "pdf", ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}

# Magic bytes of formats people upload by mistake, to name them in the error.
_OTHER_MAGIC: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a ZIP archive (e.g. .docx, .xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "an executable"),
]


def is_pdf(data: bytes) -> bool:
    # The PDF spec lets the header start anywhere in the first 1024 bytes.
    return b"%PDF-" in data[:1024]


def _describe(data: bytes) -> str | None:
    for magic, what in _OTHER_MAGIC:
        if data.startswith(magic):
            return what
    if is_pdf(data):
        return "a PDF"
    return None


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        # UTF-16 text has NULs too; it is text, decoded later via its BOM.
        return not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    return False


def detect(data: bytes, filename: str) -> str:
    """Return "pdf", "txt" or "md" for ``data`` named ``filename``, or raise a typed error."""
    name = PurePath(filename).name or filename
    ext = PurePath(filename).suffix.lower()
    kind = EXTENSIONS.get(ext)
    if kind is None:
        allowed = ", ".join(sorted(EXTENSIONS))
        raise UnsupportedFileTypeError(
            f"{name}: file type {ext or '(no extension)'!s} is not supported; use one of {allowed}."
        )
    if kind == "pdf":
        if not is_pdf(data):
            what = _describe(data) or ("plain text" if not _looks_binary(data) else None)
            raise FileTypeMismatchError(
                f"{name} is named .pdf but its content is {what or 'not a PDF'} (no %PDF header)."
            )
        return kind
    what = _describe(data)
    if what is not None or _looks_binary(data):
        raise FileTypeMismatchError(
            f"{name} is named {ext} but its content is {what or 'binary data, not text'}."
        )
    return kind
