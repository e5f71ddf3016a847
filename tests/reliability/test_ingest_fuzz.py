"""Generated hostile and broken PDFs through the service's ingestion path (a child process with
a memory cap and a time limit): each ends as a Document or a typed IngestError, in bounded time.

Examples are derandomised so CI runs the same cases every time.
"""

from __future__ import annotations

import re
import resource
import time
from functools import cache
from pathlib import Path

import hostile_pdfs as hostile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.jobs import isolated_ingest
from backend.jobs.isolated_ingest import IngestMemoryError, load_bytes_isolated
from ingest import Document, IngestError, IngestLimits
from ingest.errors import IngestTimeoutError

REPO = Path(__file__).resolve().parents[2]
MAX_SECONDS = 10.0
MEMORY_MB = 512
LIMITS = IngestLimits(max_seconds=MAX_SECONDS, max_pages=2000)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def contract_pdf() -> bytes:
    """A real multi-page PDF (fpdf2), the base the damage is done to."""
    from fpdf import FPDF

    text = (REPO / "examples" / "employment_contract.txt").read_text()
    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in text.split("\n\n"):
        pdf.multi_cell(0, 6, paragraph.strip().encode("latin-1", "replace").decode("latin-1"))
        pdf.ln(4)
    return bytes(pdf.output())


def ingest(data: bytes, *, memory_mb: int = MEMORY_MB) -> Document | IngestError:
    """Ingest like the service does; fail the test on anything but a Document or a typed
    error that ingestion itself raised (a crash mapped to ``ingest_crashed`` is a bug)."""
    t0 = time.monotonic()
    try:
        result: Document | IngestError = load_bytes_isolated(
            data, "fuzz.pdf", limits=LIMITS, max_memory_mb=memory_mb
        )
    except IngestError as exc:
        result = exc
    elapsed = time.monotonic() - t0
    assert elapsed < MAX_SECONDS + isolated_ingest.KILL_GRACE_S + 5, elapsed
    if isinstance(result, IngestError):
        assert result.code != "ingest_crashed", str(result)
        assert str(result).strip() and 400 <= result.http_status < 500
    else:
        assert result.text.strip() and result.chunks and result.pages
        for chunk in result.chunks:
            assert result.text[chunk.start : chunk.end] == chunk.text
    return result


def test_the_undamaged_base_reads() -> None:
    assert isinstance(ingest(contract_pdf()), Document)


@FUZZ
@given(cut=st.floats(min_value=0.0, max_value=1.0))
def test_truncated(cut: float) -> None:
    data = contract_pdf()
    ingest(data[: int(len(data) * cut)] or b"%PDF-")


@FUZZ
@given(damage=st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=16)), max_size=20))
def test_random_damage(damage: list[tuple[float, bytes]]) -> None:
    data = bytearray(contract_pdf())
    for where, junk in damage:
        at = int(where * (len(data) - 1))
        data[at : at + len(junk)] = junk
    ingest(bytes(data))


@FUZZ
@given(junk=st.binary(max_size=400), startxref=st.integers(-(10**12), 10**12))
def test_broken_xref(junk: bytes, startxref: int) -> None:
    data = contract_pdf()
    xref = data.rindex(b"xref")
    head, tail = data[:xref], data[xref:]
    # The table overwritten, and the pointer to it wrong.
    tail = re.sub(rb"startxref\s+\d+", b"startxref\n%d" % startxref, junk + tail[len(junk) :])
    ingest(head + tail)


@FUZZ
@given(body=st.binary(max_size=8192), version=st.sampled_from([b"1.4", b"1.7", b"2.0", b"9"]))
def test_random_bytes_behind_a_pdf_header(body: bytes, version: bytes) -> None:
    ingest(b"%PDF-" + version + b"\n" + body)


@FUZZ
@given(depth=st.integers(1, 300_000), kind=st.sampled_from(["array", "dict"]))
def test_deep_nesting(depth: int, kind: str) -> None:
    ingest(hostile.deep_array(depth) if kind == "array" else hostile.deep_dict(depth))


@FUZZ
@given(count=st.integers(-(10**12), 10**12) | st.just(10**9))
def test_huge_page_counts(count: int) -> None:
    result = ingest(hostile.one_page(hostile.text_content("One real page."), count=count))
    if isinstance(result, Document):
        assert len(result.pages) == 1


def test_reference_loop() -> None:
    assert isinstance(ingest(hostile.reference_loop()), IngestError)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return hostile.decompression_bomb(200)  # ~200 KB on disk, 200 MiB inflated


def test_decompression_bomb_is_refused_in_bounded_memory(bomb: bytes) -> None:
    assert len(bomb) < 1024 * 1024
    for memory_mb in (MEMORY_MB, 48):
        result = ingest(bomb, memory_mb=memory_mb)
        assert isinstance(result, IngestError), result
    # The inflating happened in the children; this process never held the inflated bytes.
    children_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert children_peak_mb < own_mb + MEMORY_MB + 64


def _allocate_forever(*_: object, **__: object) -> Document:
    hog = []
    while True:
        hog.append(bytearray(16 * 1024 * 1024))


def _sleep_forever(*_: object, **__: object) -> Document:
    while True:
        time.sleep(1)


def test_the_memory_cap_stops_a_reader_that_keeps_allocating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The forked child inherits this stand-in for the reader.
    monkeypatch.setattr(isolated_ingest, "load_bytes", _allocate_forever)
    with pytest.raises(IngestMemoryError, match="more than 64 MiB"):
        load_bytes_isolated(contract_pdf(), "hog.pdf", limits=LIMITS, max_memory_mb=64)


def test_the_time_limit_kills_a_reader_that_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolated_ingest, "load_bytes", _sleep_forever)
    monkeypatch.setattr(isolated_ingest, "KILL_GRACE_S", 0.5)
    t0 = time.monotonic()
    with pytest.raises(IngestTimeoutError, match="longer than 1 s"):
        load_bytes_isolated(
            contract_pdf(), "hang.pdf", limits=IngestLimits(max_seconds=1.0), max_memory_mb=None
        )
    assert time.monotonic() - t0 < 5
