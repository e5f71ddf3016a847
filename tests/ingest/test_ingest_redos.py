"""ReDoS review of ingest/ (issue 12, item 2): inputs that made a pattern backtrack
quadratically now cost work linear in their size.

Each input is 1 MB and runs in a child process with a CPU budget (RLIMIT_CPU) of 30 s. The
linear code needs about 1 s of it here; what it replaced needed about 2,000 s on the space
runs (``[ \\t]+\\n``: 20 s for 100 KB, 4x per doubling; then langchain's merge of one-space
pieces, quadratic too) and about 10^4 s on the page-number line, so the budget bounds the
amount of work, not how fast this machine is.
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys

import pytest
from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest import TooManyPagesError, load_bytes
from ingest.splitter import splitter
from ingest.text import pages_of

MB = 1_000_000
CPU_BUDGET_S = 30

_CASES = {
    # A text upload that is one long run of spaces or tabs with no newline after it.
    "spaces": "from ingest import load_bytes; load_bytes(b'x' + b' ' * {n} + b'x', 'a.txt')",
    "tabs": "from ingest import load_bytes; load_bytes(b'x\\n' + b'\\t' * {n} + b'x', 'a.txt')",
    # A PDF line of alternating whitespace kinds after "page" (no collapsing applies to it).
    "page number": (
        "from ingest import clean; line = 'page' + '\\u2028 ' * ({n} // 2) + 'x'; "
        "assert not clean._PAGE_NUMBER.match(line) and not clean._NUMBER_ONLY.match(line)"
    ),
}


def _limit_cpu() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_BUDGET_S, CPU_BUDGET_S))


@pytest.mark.parametrize("case", sorted(_CASES))
def test_a_1_mb_hostile_input_is_linear_work(case: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", _CASES[case].format(n=MB)],
        preexec_fn=_limit_cpu,
        capture_output=True,
        text=True,
        timeout=600,  # only a guard against a hung child; the CPU budget is the bound
        check=False,
    )
    # SIGXCPU (-24) would mean it spent the whole budget: super-linear work.
    assert child.returncode == 0, (child.returncode, child.stderr[-2000:])


def test_trailing_spaces_go_from_every_line_end_but_not_the_last() -> None:
    assert pages_of("a  \nb\t \n  c  \fd \n") == ["a\nb\n  c  ", "d"]


def test_the_page_limit_applies_to_text_files() -> None:
    # Before: 200,001 pages stored from a 600 KB text file of form feeds.
    with pytest.raises(TooManyPagesError, match="200001 pages, more than the limit of 2000"):
        load_bytes(b"x" + b"\f" * 200_000, "feeds.txt")
    assert len(load_bytes(b"x\f" * 1999 + b"x", "ok.txt").pages) == 2000


def test_the_linear_splitter_cuts_exactly_as_langchains() -> None:
    rng = random.Random(12)
    words = ["a", "the", "Supplier", "shall", ".", ";", ",", "\n", "  ", "x" * 300, "\n\n"]
    for _ in range(20):
        text = "".join(
            rng.choice(words) + rng.choice(["", " "]) for _ in range(rng.randint(1, 1000))
        )
        size = rng.choice([1, 5, 20, 200, 1000])
        reference = RecursiveCharacterTextSplitter(
            chunk_size=size,
            chunk_overlap=0,
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
            keep_separator="end",
            add_start_index=True,
        )
        ours = splitter(size)
        assert [(d.page_content, d.metadata) for d in ours.create_documents([text])] == [
            (d.page_content, d.metadata) for d in reference.create_documents([text])
        ]
