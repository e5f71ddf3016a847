"""Turn PDF text lines into the text a reader wants: paragraphs, no page furniture.

What is removed or repaired, in order:
1. Unicode: NFKC (ligatures such as "ﬁ" become "fi"), invisible format characters dropped,
   runs of spaces collapsed, decoration lines ("-----", "_____") dropped.
2. Running headers and footers: lines near the top or bottom of a page whose text (digits
   ignored, so "Page 3 of 9" matches "Page 4 of 9") recurs at the edge of many pages.
3. Bare page numbers at the top or bottom of a page ("3", "- 3 -", "Page 3", "iii", "A-2"),
   and, for old text filings re-typeset as PDF, page numbers and running headers set apart
   in the middle of a page.
4. Hard line breaks inside a paragraph become spaces; words hyphenated across a line break are
   joined, keeping the hyphen only for compounds the document's own vocabulary shows
   ("non-exclusive", "three-party").
5. Paragraph breaks come from the layout: a vertical gap larger than the page's line spacing,
   a short last line, an indented first line, a numbered clause or a heading after a line
   that ends a sentence. Paragraphs are separated by one blank line; a paragraph that runs over
   a page break (or over removed furniture) is joined into one, and a footnote that stood in
   its way is written after it.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from ingest.pdf import Line, PdfPage

# ReDoS review (issue 12): no two unbounded quantifiers here may match the same characters
# next to each other ("\s*[-(]?\s*" tried every split of a whitespace run: quadratic in the
# line), and no unanchored pattern starts with a run that can fail after it; the page-number
# patterns put their optional brackets inside the groups for that reason.
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_DECORATION = re.compile(r"^[-_=*.~·•\s]{3,}$")
_PAGE_NUMBER = re.compile(
    r"""^(?:
        (?:page\s*)?(?:[-–—(\[]\s*)?\d{1,4}(?:\s*[-–—)\]])?(?:\s*(?:of|/)\s*\d{1,4})?
      | [ivxlcdm]{1,7}
      | [A-Z]{1,2}\s?-\s?\d{1,3}
      | \d{1,3}\s?-\s?\d{1,3}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Page numbers written with digits, safe to drop mid-page when set apart (roman ones are not:
# "II" alone may be an article number).
_NUMBER_ONLY = re.compile(
    r"^(?:page\s*)?(?:[-–—(\[]\s*)?\d{1,4}(?:\s*[-–—)\]])?(?:\s*(?:of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
_NUMBERED_LINE = re.compile(r"^\d{1,3}\s+\S|\S\s+\d{1,3}$")  # not years
# The start of a numbered clause or list item: "2.", "2.1", "(a)", "iv)", "Section 4", ...
_ENUMERATOR = re.compile(
    r"""^(?:
        \(?\d{1,3}(?:\.\d{1,3})*\.?\)?\s
      | \(?[a-zA-Z]\)\s | [a-zA-Z]\.\s
      | \(?[ivxlcdmIVXLCDM]{1,6}\)\s | [IVXLCDM]{1,6}\.\s
      | (?:section|article|schedule|exhibit|annex|appendix|clause)\s+[\dIVXLCDMA-Z]
      | [•●▪◦\-–—*]\s
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_ENDS_SENTENCE = re.compile(r"""[.:;!?]["'”’)\]]*$""")
# The first line of a footnote: "1 Merchant consists of ...", "* Confidential ...".
_FOOTNOTE = re.compile(r"^(?:\d{1,2}|[*†‡§]{1,3})\s?[A-Z]")
# A line ending like this leaves its sentence open.
_OPEN_END = re.compile(
    r"(?:,|\b(?:and|or|of|the|to|in|for|by|with|a|an|that|which|including|any|such|shall))$",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[a-z]+(?:-[a-z]+)*")
_EDGE = 3  # lines at each end of a page that may be header or footer


@dataclass
class _Line:
    text: str
    indent: float
    y: float
    size: float
    # Page furniture was removed just above this line: the space it leaves says nothing
    # about paragraphs, so the line is joined as across a page break.
    after_furniture: bool = False


def _normalise(line: Line) -> _Line | None:
    text = unicodedata.normalize("NFKC", line.text)
    # Soft hyphens mark hyphenation points: one at the end of a line is a real break.
    text = text.replace("\u00ad", "-" if text.rstrip().endswith("\u00ad") else "")
    text = "".join(
        ch for ch in text if ch == "\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Co")
    )
    leading = len(text) - len(text.lstrip(" \t"))
    text = _SPACES.sub(" ", text).strip()
    if not text or _DECORATION.match(text):
        return None
    size = line.size if line.size > 0 else 10.0
    # Monospaced text exports indent with spaces, so count them as indentation.
    return _Line(text, line.x + leading * size * 0.5, line.y, size)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _edge_indices(lines: list[_Line]) -> set[int]:
    n = len(lines)
    idx = set(range(min(_EDGE, n))) | set(range(max(n - _EDGE, 0), n))
    # Headers are sometimes written last into the content stream: also take the lines
    # highest and lowest on the page.
    by_y = sorted(range(n), key=lambda i: lines[i].y)
    idx |= set(by_y[:2]) | set(by_y[-2:])
    return idx


def _line_gap(lines: list[_Line]) -> float | None:
    """The page's usual baseline-to-baseline distance, None when it cannot be told."""
    gaps = [
        a.y - b.y
        for a, b in zip(lines, lines[1:], strict=False)
        if 0.3 * a.size < a.y - b.y < 3 * a.size
    ]
    # The lower quartile, not the median: on a page of short paragraphs the gaps between
    # paragraphs can outnumber those between lines.
    return _percentile(gaps, 0.25) if len(gaps) >= 2 else None


def _small_blocks(lines: list[_Line]) -> tuple[set[int], set[int]]:
    """Lines set apart by blank space in blocks of at most 3 lines, and among them those next
    to such a block that is a bare page number.

    Documents re-typeset from EDGAR text carry the original page numbers and running headers
    in the middle of a PDF page, set apart like this; a repeated line counts as a running
    header only beside a page number, since signature blocks repeat too.
    """
    gap = _line_gap(lines)
    if gap is None:
        return set(), set()
    blocks: list[list[int]] = []
    for i in range(len(lines)):
        if i == 0 or not (0 < lines[i - 1].y - lines[i].y <= 1.45 * gap + 0.5):
            blocks.append([])
        blocks[-1].append(i)
    small: set[int] = set()
    near_number: set[int] = set()
    is_number = [any(_NUMBER_ONLY.match(lines[i].text) for i in b) for b in blocks]
    for j, block in enumerate(blocks):
        if len(block) > 3:
            continue
        small.update(block)
        if any(is_number[k] for k in (j - 1, j, j + 1) if 0 <= k < len(blocks)):
            near_number.update(block)
        # A header carrying its own page number: "JOURNAL PUBLISHING 9".
        near_number.update(i for i in block if _NUMBERED_LINE.search(lines[i].text))
    return small, near_number


def _remove_furniture(pages: list[list[_Line]]) -> list[list[_Line]]:
    edges = [_edge_indices(lines) for lines in pages]
    blocks = [_small_blocks(lines) for lines in pages]
    edge_keys: Counter[str] = Counter()
    block_keys: Counter[str] = Counter()
    for lines, edge, (_, near) in zip(pages, edges, blocks, strict=True):
        edge_keys.update({_key(lines[i].text) for i in edge})
        block_keys.update({_key(lines[i].text) for i in near})
    n_text_pages = sum(1 for p in pages if p)

    def wordy(key: str) -> bool:
        return sum(ch.isalpha() for ch in key) >= 3

    # Mid-page lines need more evidence than edge lines: signature blocks repeat too.
    edge_min = max(2, math.ceil(0.2 * n_text_pages))
    block_min = max(3, math.ceil(0.3 * n_text_pages))
    # Document ids such as "9012190/26" in a footer have no letters but are long.
    repeated_edge = {
        k for k, c in edge_keys.items() if c >= edge_min and (wordy(k) or len(k) >= 3 and "#" in k)
    }
    repeated_block = {k for k, c in block_keys.items() if c >= block_min and wordy(k)}

    out: list[list[_Line]] = []
    for lines, edge, (small, near) in zip(pages, edges, blocks, strict=True):
        keep: list[_Line] = []
        dropped = False
        for i, line in enumerate(lines):
            key = _key(line.text)
            if (
                (i in edge and (key in repeated_edge or _PAGE_NUMBER.match(line.text)))
                or (i in small and _NUMBER_ONLY.match(line.text))
                or (i in near and key in repeated_block)
            ):
                dropped = True
                continue
            if dropped and keep:
                line = dataclasses.replace(line, after_furniture=True)
            dropped = False
            keep.append(line)
        if not keep:
            # Furniture frames content; a page that would be all furniture is content that
            # happens to repeat (short pages of a list), so only its page numbers go.
            keep = [line for line in lines if not _PAGE_NUMBER.match(line.text)]
        out.append(keep)
    return out


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


@dataclass
class _PageStats:
    full_width: float  # _width of a full line
    gap: float | None  # usual baseline-to-baseline distance
    margin: float  # usual left edge


def _width(line: _Line) -> float:
    """Rough printed width: characters times font size, capitals counted wider (an all-caps
    line holds fewer characters than a full line of lower-case text)."""
    letters = [ch for ch in line.text if ch.isalpha()]
    caps = len(letters) >= 8 and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)
    return len(line.text) * line.size * (1.3 if caps else 1.0)


def _stats(lines: list[_Line], doc_full_width: float) -> _PageStats:
    widths = [_width(line) for line in lines]
    full_width = _percentile(widths, 0.9) if len(lines) >= 8 else doc_full_width
    full_width = max(full_width, doc_full_width * 0.6)
    gap = _line_gap(lines)
    margins = Counter(round(line.indent) for line in lines)
    margin = min(m for m, c in margins.items() if c == max(margins.values())) if lines else 0.0
    return _PageStats(full_width, gap, margin)


def _is_enumerated(text: str) -> bool:
    return bool(_ENUMERATOR.match(text + " "))


def _is_heading(line: _Line, full_width: float) -> bool:
    """A short all-capitals line ("ARTICLE XI", "TERMINATION"), not a line of a paragraph
    set in capitals (disclaimers are)."""
    letters = [ch for ch in line.text if ch.isalpha()]
    return (
        len(letters) >= 3
        and all(ch.isupper() for ch in letters)
        and _width(line) < 0.75 * full_width
        and not line.text.endswith((",", ";"))
    )


def _breaks(a: _Line, b: _Line, st: _PageStats) -> bool:
    """Does a paragraph end between line ``a`` and the next line ``b`` on the same page?"""
    if b.after_furniture:
        return not _continues(a, b, st.full_width)
    full = st.full_width
    first = b.text[0]
    ends = bool(_ENDS_SENTENCE.search(a.text))
    short = _width(a) < 0.75 * full
    dy = a.y - b.y
    if first.islower() and not _is_enumerated(b.text):
        return False  # a sentence running on
    if st.gap is not None and dy > 1.45 * st.gap + 0.5:
        return True  # blank space between the lines
    # A short line ending "... consent of" wrapped early (a long word followed); one
    # ending "...; and" before "(b)" closes a list item.
    open_end = bool(_OPEN_END.search(a.text)) and not _is_enumerated(b.text)
    if (
        short
        and not open_end
        and (ends or first.isupper() or first.isdigit() or first in "\"'“‘([")
    ):
        return True  # the last line of a paragraph, a heading or a list line
    if ends and (_is_enumerated(b.text) or _is_heading(b, full)):
        return True
    if ends and dy > 0 and b.indent > st.margin + 1.5 * b.size:
        return True  # indented first line
    return _is_heading(a, full) and not _is_heading(b, full)


def _continues(a: _Line, b: _Line, full: float) -> bool:
    """Does the paragraph ending a page with ``a`` go on with ``b`` on the next page?

    ``full`` is the _width of a full line."""
    if b.text[0].islower() and not _is_enumerated(b.text):
        return True
    if _OPEN_END.search(a.text) and not _is_enumerated(b.text):
        return True  # "..., INCLUDING" / "NEGLIGENCE, SHALL ..." even when the line is short
    if _ENDS_SENTENCE.search(a.text) or _width(a) < 0.75 * full:
        return False
    return not (_is_enumerated(b.text) or _is_heading(b, full) or _is_heading(a, full))


@dataclass
class _Vocabulary:
    """The document's own spelling, to tell a hyphenated compound from a hyphenated syllable."""

    words: set[str]  # words written without a hyphen
    compounds: set[str]  # words written with one ("non-exclusive")
    heads: set[str]  # first parts of those ("non")
    parts: set[str]  # all their parts ("out", "of", "pocket")

    @classmethod
    def of(cls, lines: list[str]) -> _Vocabulary:
        words: set[str] = set()
        compounds: set[str] = set()
        broken = False
        for line in lines:
            tokens = _WORDS.findall(line.lower())
            if broken and tokens:
                tokens = tokens[1:]  # the tail of a word broken at the previous line end
            broken = bool(re.search(r"[A-Za-z]-$", line))
            if broken and tokens:
                tokens = tokens[:-1]
            for token in tokens:
                (compounds if "-" in token else words).add(token)
        heads = {c.split("-", 1)[0] for c in compounds}
        return cls(words, compounds, heads, {p for c in compounds for p in c.split("-")})

    def keeps_hyphen(self, head: str, tail: str) -> bool:
        head, tail = head.lower(), tail.lower()
        if head + "-" + tail in self.compounds:
            return True
        if head + tail in self.words:
            return False
        # Word processors rarely hyphenate contracts, so a break after two real words
        # ("three-" / "party") or after a prefix the document hyphenates elsewhere ("non-")
        # is a compound; anything else ("docu-" / "mentation") is a syllable break.
        known = self.known
        return head in self.heads or (head in known and tail in known)

    @cached_property
    def known(self) -> set[str]:
        return self.words | self.parts


def _join(left: str, right: str, vocabulary: _Vocabulary) -> str:
    """Join two lines of one paragraph, repairing a word hyphenated across the break."""
    # Only the end of ``left`` matters, and it may be a whole long paragraph.
    m = re.search(r"([A-Za-z]+)-$", left[-80:])
    if m and right[0].islower():
        tail = re.match(r"[a-z]+", right)
        if vocabulary.keeps_hyphen(m.group(1), tail.group(0) if tail else ""):
            return left + right
        return left[:-1] + right
    if left.endswith(("-", "/", "—")) and not left.endswith((" -", " —")):
        return left + right  # compound, URL or dash split at the line end
    return left + " " + right


def _paragraphs(lines: list[_Line], st: _PageStats) -> list[list[_Line]]:
    paras: list[list[_Line]] = []
    for i, line in enumerate(lines):
        if i == 0 or _breaks(lines[i - 1], line, st):
            paras.append([line])
        else:
            paras[-1].append(line)
    return paras


def _defer_footnotes(pages: list[list[list[_Line]]]) -> list[list[list[_Line]]]:
    """Footnotes at the bottom of a page whose last sentence runs on to the next page.

    Left in place they would cut that sentence in two (and the next page's first words would
    be glued to the footnote), so they are taken off the page here and written after the
    paragraph they interrupted.
    """
    deferred: list[list[list[_Line]]] = [[] for _ in pages]
    for n, paras in enumerate(pages[:-1]):
        nxt = pages[n + 1]
        if not nxt or not nxt[0][0].text[0].islower():
            continue
        k = len(paras)
        while k > 1 and _FOOTNOTE.match(paras[k - 1][0].text):
            k -= 1
        if k < len(paras) and not _ENDS_SENTENCE.search(paras[k - 1][-1].text):
            deferred[n] = paras[k:]
            del paras[k:]
    return deferred


def _text(lines: list[_Line], vocabulary: _Vocabulary) -> str:
    text = lines[0].text
    for line in lines[1:]:
        text = _join(text, line.text, vocabulary)
    return text


def clean_pages(raw_pages: list[PdfPage]) -> tuple[str, list[tuple[int, int]]]:
    """The cleaned document text and each page's (start, end) character range in it."""
    pages = [[ln for line in p.lines if (ln := _normalise(line)) is not None] for p in raw_pages]
    pages = _remove_furniture(pages)

    all_lines = [line for lines in pages for line in lines]
    vocabulary = _Vocabulary.of([line.text for line in all_lines])
    doc_full_width = _percentile([_width(x) for x in all_lines], 0.9) if all_lines else 800.0
    paragraphs = [_paragraphs(lines, _stats(lines, doc_full_width)) for lines in pages]
    footnotes = _defer_footnotes(paragraphs)

    parts: list[str] = []
    length = 0
    ranges: list[tuple[int, int]] = []
    prev_last: _Line | None = None
    pending: list[list[_Line]] = []  # footnotes waiting for the end of their paragraph
    open_paragraph = ""  # text of the paragraph now being written, for hyphen repair

    def add(sep: str, text: str) -> None:
        nonlocal length
        parts.extend((sep, text))
        length += len(sep) + len(text)

    for paras, notes, raw in zip(paragraphs, footnotes, raw_pages, strict=True):
        if not paras:
            if pending:  # nothing to continue here: they close the previous page
                for note in pending:
                    add("\n\n", _text(note, vocabulary))
                pending, prev_last = [], None
            ranges.append((length, length))
            if raw.has_images:
                prev_last = None  # an image-only page ends the paragraph; a blank one doesn't
            continue
        page_start = None
        for j, lines in enumerate(paras):
            text = _text(lines, vocabulary)
            if j == 0 and prev_last is not None and _continues(prev_last, lines[0], doc_full_width):
                joined = _join(open_paragraph, text, vocabulary)
                # _join keeps ``open_paragraph`` as a prefix unless it drops a hyphen.
                if joined.startswith(open_paragraph):
                    sep = joined[len(open_paragraph) : len(joined) - len(text)]
                else:  # the hyphen ending the previous page goes
                    parts[-1] = parts[-1][:-1]
                    length -= 1
                    start, end = ranges[-1]
                    ranges[-1] = (start, min(end, length))
                    sep = ""
                open_paragraph = joined
            else:
                sep = "\n\n" if parts else ""
                open_paragraph = text
            if page_start is None:
                page_start = length + len(sep)
            add(sep, text)
            if j == 0:
                for note in pending:
                    add("\n\n", _text(note, vocabulary))
                pending = []
        ranges.append((page_start if page_start is not None else length, length))
        prev_last = paras[-1][-1]
        pending = notes
    for note in pending:
        add("\n\n", _text(note, vocabulary))
    if pending:
        ranges[-1] = (ranges[-1][0], length)
    return "".join(parts), ranges
