"""Every kind of bad input gets its typed error with a one-sentence message naming the file."""

from __future__ import annotations

import io
import random

import pytest
from pypdf import PdfWriter

from ingest import (
    CorruptFileError,
    EmptyDocumentError,
    EncryptedFileError,
    FileTooLargeError,
    FileTypeMismatchError,
    IngestError,
    IngestLimits,
    IngestTimeoutError,
    NoTextLayerError,
    TooManyPagesError,
    UnsupportedFileTypeError,
    load_bytes,
    load_document,
)
from tests.ingest.pdfs import build_pdf, encrypt_pdf, form_wrapped_image_pdf, image_page_pdf

CLAUSE = "1. Term. This Agreement runs for two years from the Effective Date."


@pytest.fixture(scope="module")
def one_page() -> bytes:
    return build_pdf([[CLAUSE]])


def _assert_message(err: IngestError, name: str) -> None:
    assert name in err.message
    assert "\n" not in err.message and err.message.endswith(".")
    assert str(err) == err.message


@pytest.mark.parametrize(
    ("cls", "code", "status"),
    [
        (CorruptFileError, "corrupt_file", 422),
        (EncryptedFileError, "encrypted_file", 422),
        (NoTextLayerError, "no_text_layer", 422),
        (EmptyDocumentError, "empty_document", 422),
        (UnsupportedFileTypeError, "unsupported_file_type", 415),
        (FileTypeMismatchError, "file_type_mismatch", 415),
        (FileTooLargeError, "file_too_large", 413),
        (TooManyPagesError, "too_many_pages", 413),
    ],
)
def test_error_codes_and_statuses(cls: type[IngestError], code: str, status: int) -> None:
    assert issubclass(cls, IngestError)
    assert (cls.code, cls.http_status) == (code, status)


@pytest.mark.parametrize("cut", [0.3, 0.9])
def test_truncated_pdf_is_corrupt(one_page: bytes, cut: float) -> None:
    with pytest.raises(CorruptFileError) as info:
        load_bytes(one_page[: int(len(one_page) * cut)], "broken.pdf")
    _assert_message(info.value, "broken.pdf")


def test_garbage_after_pdf_header_is_corrupt() -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 20
    with pytest.raises(CorruptFileError) as info:
        load_bytes(data, "garbage.pdf")
    _assert_message(info.value, "garbage.pdf")


@pytest.mark.parametrize("algorithm", ["AES-256", "RC4-128"])
def test_password_protected_pdf_is_refused(one_page: bytes, algorithm: str) -> None:
    with pytest.raises(EncryptedFileError) as info:
        load_bytes(encrypt_pdf(one_page, "s3cret", algorithm), "locked.pdf")
    _assert_message(info.value, "locked.pdf")
    assert "password" in info.value.message


@pytest.mark.parametrize("algorithm", ["AES-256", "AES-128", "RC4-128"])
def test_empty_password_pdf_opens(one_page: bytes, algorithm: str) -> None:
    doc = load_bytes(encrypt_pdf(one_page, "", algorithm), "permissions-only.pdf")
    assert doc.text == CLAUSE


def test_image_only_pdf_has_no_text_layer() -> None:
    with pytest.raises(NoTextLayerError) as info:
        load_bytes(image_page_pdf(), "scan.pdf")
    _assert_message(info.value, "scan.pdf")
    assert "scanned" in info.value.message and "OCR is not done" in info.value.message


def test_image_inside_a_form_xobject_counts_as_a_scan() -> None:
    with pytest.raises(NoTextLayerError):
        load_bytes(form_wrapped_image_pdf(), "scan.pdf")


def test_scanned_page_among_text_pages_is_reported_not_fatal() -> None:
    doc = load_bytes(image_page_pdf([[CLAUSE]]), "mixed.pdf")
    assert doc.text == CLAUSE
    assert len(doc.pages) == 2 and doc.pages[1].start == doc.pages[1].end
    assert any("pages 2" in w and "OCR" in w for w in doc.warnings)


@pytest.mark.parametrize(
    ("name", "data"),
    [("empty.pdf", b""), ("empty.txt", b""), ("blank.md", b"  \n\n\t\n")],
)
def test_empty_files(name: str, data: bytes) -> None:
    with pytest.raises(EmptyDocumentError) as info:
        load_bytes(data, name)
    _assert_message(info.value, name)


def test_pdf_with_only_blank_pages_is_empty() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(EmptyDocumentError) as info:
        load_bytes(out.getvalue(), "blank.pdf")
    _assert_message(info.value, "blank.pdf")


def test_text_named_pdf_is_a_mismatch() -> None:
    with pytest.raises(FileTypeMismatchError) as info:
        load_bytes(b"Just some text, not a PDF.", "contract.pdf")
    _assert_message(info.value, "contract.pdf")
    assert "plain text" in info.value.message


def test_pdf_named_txt_is_a_mismatch(one_page: bytes) -> None:
    with pytest.raises(FileTypeMismatchError) as info:
        load_bytes(one_page, "contract.txt")
    _assert_message(info.value, "contract.txt")
    assert "a PDF" in info.value.message


def test_image_named_pdf_is_a_mismatch() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    with pytest.raises(FileTypeMismatchError) as info:
        load_bytes(png, "photo.pdf")
    assert "PNG image" in info.value.message


@pytest.mark.parametrize("name", ["contract.docx", "contract", "notes.rtf"])
def test_unsupported_extension(name: str) -> None:
    with pytest.raises(UnsupportedFileTypeError) as info:
        load_bytes(b"PK\x03\x04 whatever", name)
    _assert_message(info.value, name)
    assert ".pdf" in info.value.message


def test_too_large_file_is_refused_before_parsing(one_page: bytes, write_file) -> None:
    limits = IngestLimits(max_bytes=len(one_page) - 1)
    with pytest.raises(FileTooLargeError) as info:
        load_bytes(one_page, "big.pdf", limits=limits)
    _assert_message(info.value, "big.pdf")
    # load_document checks the size on disk before reading the file.
    path = write_file("big.pdf", one_page)
    with pytest.raises(FileTooLargeError):
        load_document(path, limits=limits)
    assert load_document(path, limits=IngestLimits(max_bytes=len(one_page))).text == CLAUSE


def test_too_many_pages_is_refused() -> None:
    data = build_pdf([[f"{n}. Clause number {n} of the agreement."] for n in (1, 2, 3)])
    with pytest.raises(TooManyPagesError) as info:
        load_bytes(data, "long.pdf", limits=IngestLimits(max_pages=2))
    _assert_message(info.value, "long.pdf")
    assert "3 pages" in info.value.message
    assert len(load_bytes(data, "long.pdf", limits=IngestLimits(max_pages=3)).pages) == 3


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        IngestLimits(max_pages=0)


def test_damaged_pdfs_never_crash(one_page: bytes, capfd: pytest.CaptureFixture[str]) -> None:
    """Random byte damage gives a Document or a typed error, never another exception, and
    nothing leaks to stderr (the CLI's one error line stays the only one)."""
    rng = random.Random(7)
    outcomes: set[str] = set()
    for _ in range(60):
        data = bytearray(one_page)
        for _ in range(rng.choice([1, 5, 40])):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data))]
        try:
            doc = load_bytes(bytes(data), "damaged.pdf")
        except IngestError as exc:
            outcomes.add(type(exc).__name__)
            assert "damaged.pdf" in exc.message
        else:
            outcomes.add("ok")
            assert all(doc.text[c.start : c.end] == c.text for c in doc.chunks)
    assert "CorruptFileError" in outcomes and "ok" in outcomes
    assert capfd.readouterr().err == ""


def test_extraction_time_limit() -> None:
    data = build_pdf([[f"{n}. Clause number {n} of the agreement."] for n in (1, 2, 3)])
    with pytest.raises(IngestTimeoutError) as info:
        load_bytes(data, "slow.pdf", limits=IngestLimits(max_seconds=1e-9))
    _assert_message(info.value, "slow.pdf")
    assert "page 1 of 3" in info.value.message
