"""Plain text and Markdown: decode, normalise newlines, one page per form feed."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode(data: bytes) -> tuple[str, str | None]:
    """Text of ``data`` and a warning when it was not UTF-8.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as such; anything else is read
    as Windows-1252 (a superset of latin-1 for printable text), which never fails, and the
    warning says so, since accented characters may then be wrong.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "not valid UTF-8; decoded as Windows-1252 (latin-1)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "not valid UTF-8; decoded as latin-1"


def pages_of(text: str) -> list[str]:
    """Normalised text split at form feeds (the page break of text exports)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    pages = [_without_trailing_space(p) for p in text.split("\f")]
    return [p.strip("\n") if p.strip() else "" for p in pages]


def _without_trailing_space(page: str) -> str:
    """Spaces and tabs before each line end removed (not after the last line: no line end).

    Plain string code, linear in the page: the pattern ``[ \t]+\n`` it replaces re-scanned a
    run of spaces from each of its positions when no newline followed (quadratic: a 100 KB
    run took 20 s).
    """
    lines = page.split("\n")
    return "\n".join([line.rstrip(" \t") for line in lines[:-1]] + lines[-1:])
