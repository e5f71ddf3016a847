"""PDF text extraction with pypdf: per page, the text lines with their position and size.

The cleaning step (``ingest.clean``) needs to know where a line sits on the page (headers,
footers, paragraph gaps, indentation), which pypdf's plain text does not say, so the text is
collected through pypdf's ``visitor_text`` hook: the visited pieces concatenate to exactly the
text pypdf would return, and each carries its text and transformation matrices.
"""

from __future__ import annotations

import io
import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import DependencyError

from ingest.errors import (
    CorruptFileError,
    EncryptedFileError,
    IngestError,
    IngestTimeoutError,
)
from ingest.limits import IngestLimits


@dataclass
class Line:
    text: str
    x: float  # left edge of the first visible piece, in page space
    y: float  # baseline, page space (larger is higher on the page)
    size: float  # effective font size, page space


@dataclass
class PdfPage:
    lines: list[Line]
    has_images: bool


def _has_images(page) -> bool:  # noqa: ANN001 - pypdf PageObject or form XObject
    """Does the page draw an image (directly or inside a form XObject, as scanners do)?"""
    return _draws_image(page, depth=0)


def _draws_image(obj, depth: int) -> bool:  # noqa: ANN001
    try:
        resources = obj.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        if not xobjects:
            return False
        xobjects = xobjects.get_object()
        for key in xobjects:
            xobject = xobjects[key].get_object()
            subtype = xobject.get("/Subtype")
            if subtype == "/Image":
                return True
            if subtype == "/Form" and depth < 3 and _draws_image(xobject, depth + 1):
                return True
        return False
    except Exception:  # noqa: BLE001 - a broken resource dict only matters for the message
        return False


def _page_lines(page) -> list[Line]:  # noqa: ANN001 - pypdf PageObject
    lines: list[Line] = []
    buf: list[str] = []
    pos: tuple[float, float, float] | None = None

    def finish() -> None:
        nonlocal buf, pos
        x, y, size = pos if pos is not None else (0.0, 0.0, 0.0)
        lines.append(Line("".join(buf), x, y, size))
        buf, pos = [], None

    def visit(text: str, cm: list[float], tm: list[float], _font: object, font_size: float) -> None:
        nonlocal pos
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if i > 0:
                finish()
            if part:
                if pos is None and part.strip():
                    # Position of the piece on the page: the text matrix applied to the CTM.
                    x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                    y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                    scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
                    pos = (x, y, abs(font_size * scale) or 1.0)
                buf.append(part)

    page.extract_text(visitor_text=visit)
    if buf:
        finish()
    return lines


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's log while it reads: it reports recoverable quirks of broken files
    (on stderr when the application configured no logging), and the typed error we raise
    is what the user needs to see."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_pdf(data: bytes, name: str, limits: IngestLimits) -> list[PdfPage]:
    """Pages of the PDF in ``data``; raise a typed IngestError for every way it can fail."""
    with _quiet_pypdf():
        return _read_pdf(data, name, limits)


def _read_pdf(data: bytes, name: str, limits: IngestLimits) -> list[PdfPage]:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken files
        raise CorruptFileError(f"{name} is not a readable PDF ({_reason(exc)}).") from exc

    if reader.is_encrypted:
        # Many PDFs are encrypted with an empty user password only to set permissions;
        # those open without asking anyone.
        try:
            ok = reader.decrypt("")
        except DependencyError as exc:
            raise EncryptedFileError(
                f"{name} is encrypted with a cipher this installation cannot open ({exc})."
            ) from exc
        except Exception as exc:  # noqa: BLE001
            raise CorruptFileError(f"{name} has a broken encryption dictionary.") from exc
        if not ok:
            raise EncryptedFileError(
                f"{name} is password-protected; remove the password and upload it again."
            )

    try:
        n_pages = len(reader.pages)
    except Exception as exc:  # noqa: BLE001
        raise CorruptFileError(f"{name} is not a readable PDF ({_reason(exc)}).") from exc
    if n_pages == 0:
        raise CorruptFileError(f"{name} is a PDF without any pages.")
    limits.check_pages(name, n_pages)

    started = time.monotonic()
    pages: list[PdfPage] = []
    for i in range(n_pages):
        try:
            page = reader.pages[i]
            lines = _page_lines(page)
        except Exception as exc:  # noqa: BLE001
            raise CorruptFileError(
                f"{name}: page {i + 1} cannot be read ({_reason(exc)})."
            ) from exc
        pages.append(PdfPage(lines, has_images=_has_images(page)))
        if limits.max_seconds is not None and time.monotonic() - started > limits.max_seconds:
            raise IngestTimeoutError(
                f"{name}: text extraction took longer than {limits.max_seconds:g} s "
                f"(stopped at page {i + 1} of {n_pages})."
            )
    return pages


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
