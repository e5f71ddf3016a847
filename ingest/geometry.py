"""Where the cleaned text sits on the PDF's pages: character offsets to rectangles.

Cleaning (``ingest.clean``) drops page furniture, joins hyphenated words and lines, collapses
spaces and moves footnotes, so an offset into ``Document.text`` says nothing about the page by
itself. This module reads the PDF's own characters and their boxes with PDFium (pypdfium2) and
aligns the cleaned text to them, character by character, ignoring white space: cleaning only
removes or reorders characters (NFKC expands a ligature into several, all given the ligature's
box), so the cleaned characters are, run by run, a subsequence of the PDF's. The alignment is
computed from the stored bytes and text whenever it is needed, so nothing new is stored and the
original bytes are never touched.

Coordinates are PDF user space of each page (points, origin at the bottom left of the media
box), the space of annotation rectangles; ``PageGeometry`` converts them for an image of the
page's crop box.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# A resync looks for the next GRAM cleaned characters this far ahead in the PDF's characters:
# long enough that a hit is not chance, wide enough to step over a removed header and footer.
GRAM = 10
WINDOW = 6000
# PDFium reports a hyphen it judged to end a line as U+0002; pypdf writes "-".
_HYPHENS = {"\u0002": "-", "\u00ad": "-", "\u2010": "-", "\u2011": "-"}


@dataclass(frozen=True)
class Rect:
    """A highlight rectangle on one page, PDF user space (points)."""

    page: int  # 1-based
    left: float
    bottom: float
    right: float
    top: float

    def to_dict(self) -> dict[str, float | int]:
        return {
            "page": self.page,
            "left": round(self.left, 2),
            "bottom": round(self.bottom, 2),
            "right": round(self.right, 2),
            "top": round(self.top, 2),
        }


@dataclass(frozen=True)
class PageGeometry:
    number: int  # 1-based
    width: float  # crop box, points
    height: float
    crop_left: float  # crop box origin in user space
    crop_bottom: float

    def to_dict(self) -> dict[str, float | int]:
        return {"page": self.number, "width": round(self.width, 2), "height": round(self.height, 2)}

    def relative(self, rect: Rect) -> dict[str, float]:
        """``rect`` as fractions of the rendered page (top-left origin), for an overlay."""
        return {
            "x": round((rect.left - self.crop_left) / self.width, 5),
            "y": round((self.crop_bottom + self.height - rect.top) / self.height, 5),
            "w": round((rect.right - rect.left) / self.width, 5),
            "h": round((rect.top - rect.bottom) / self.height, 5),
        }


def _normal(ch: str) -> str:
    """The characters cleaning would make of one PDF character ('' for white space)."""
    ch = _HYPHENS.get(ch, ch)
    out = unicodedata.normalize("NFKC", ch)
    return "".join(
        c
        for c in out
        if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf", "Co", "Zs")
    )


class TextGeometry:
    """The cleaned text of one PDF aligned to the PDF's characters and their boxes."""

    def __init__(
        self, data: bytes, text: str, pages: list[tuple[int, int]], *, align: bool = True
    ) -> None:
        """``pages``: each page's (start, end) range in ``text``, as ingestion made them.

        ``align=False`` skips the alignment: the n-th visible cleaned character takes the n-th
        visible PDF character's box (what a plain offset mapping does; the benchmark's baseline).
        """
        self.text = text
        pdf = pdfium.PdfDocument(data)
        try:
            self.pages: list[PageGeometry] = []
            # The PDF's visible characters, normalised like the cleaned text, one entry per
            # output character: (page index, left, bottom, right, top).
            raw_chars: list[str] = []
            self._boxes: list[tuple[int, float, float, float, float]] = []
            page_starts: list[int] = []  # index of each page's first entry in _boxes
            for p in range(len(pdf)):
                page_starts.append(len(self._boxes))
                page = pdf[p]
                # The visible box (media box cut by the crop box), inherited from the page
                # tree where the page has none of its own: get_cropbox() reads only the page's
                # own entry and otherwise reports US Letter, which put the overlay off the
                # words on every A4 page.
                left, bottom, right, top = page.get_bbox()
                self.pages.append(PageGeometry(p + 1, right - left, top - bottom, left, bottom))
                textpage = page.get_textpage()
                try:
                    for i in range(textpage.count_chars()):
                        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
                        norm = _normal(chr(code)) if 0 < code < 0x110000 else ""
                        if not norm:
                            continue
                        box = textpage.get_charbox(i, loose=True)
                        for c in norm:
                            raw_chars.append(c)
                            self._boxes.append((p, *box))
                finally:
                    textpage.close()
                page.close()
        finally:
            pdf.close()
        self._raw = "".join(raw_chars)
        page_starts.append(len(self._boxes))
        normal = [_normal(ch) for ch in text]
        self._clean_at = [i for i, c in enumerate(normal) if len(c) == 1]
        clean = "".join(normal[i] for i in self._clean_at)
        # For each cleaned (non-space) character, the index of its PDF character or -1.
        # Each page's text is aligned to that page's characters, so text repeated across
        # pages (tables of "***", signature blocks) cannot pull the alignment off its page.
        self._match = [-1] * len(clean)
        if not align:
            n = min(len(clean), len(self._raw))
            self._match[:n] = range(n)
            self._raw_of = dict(zip(self._clean_at, self._match, strict=True))
            return
        near: list[tuple[int, int]] = [(0, len(self._raw))] * len(clean)
        n_pdf = len(page_starts) - 1
        for p, (start, end) in enumerate(pages[:n_pdf]):
            a = bisect.bisect_left(self._clean_at, start)
            b = bisect.bisect_left(self._clean_at, end)
            lo, hi = page_starts[p], page_starts[p + 1]
            _align(clean[a:b], self._raw, lo, hi, self._match, a)
            around = (page_starts[max(p - 1, 0)], page_starts[min(p + 2, n_pdf)])
            near[a:b] = [around] * (b - a)
        _place_moved_runs(clean, self._raw, self._match, near)
        self._raw_of = dict(zip(self._clean_at, self._match, strict=True))

    @property
    def matched_share(self) -> float:
        """Share of the cleaned text's visible characters found on a page."""
        if not self._match:
            return 0.0
        return sum(1 for j in self._match if j >= 0) / len(self._match)

    def rects(self, start: int, end: int) -> list[Rect]:
        """Rectangles covering the characters of ``text[start:end]``, one per line piece."""
        rects: list[list[float]] = []  # [page, left, bottom, right, top]
        prev = -2
        for off in range(max(0, start), min(end, len(self.text))):
            j = self._raw_of.get(off, -1)
            if j < 0:
                continue
            p, left, bottom, right, top = self._boxes[j]
            if right <= left or top <= bottom:
                continue
            cur = rects[-1] if rects else None
            same_line = (
                cur is not None
                and cur[0] == p
                and j > prev
                and left >= cur[1] - 1
                and min(top, cur[4]) - max(bottom, cur[2])
                > 0.5 * min(top - bottom, cur[4] - cur[2])
            )
            if same_line:
                cur[1], cur[2] = min(cur[1], left), min(cur[2], bottom)
                cur[3], cur[4] = max(cur[3], right), max(cur[4], top)
            else:
                rects.append([p, left, bottom, right, top])
            prev = j
        return [Rect(int(r[0]) + 1, r[1], r[2], r[3], r[4]) for r in rects]


def _align(clean: str, raw: str, lo: int, hi: int, match: list[int], at: int) -> None:
    """Set ``match[at + i]`` to the index in ``raw[lo:hi]`` of each character ``clean[i]``.

    Greedy: walk both strings while they agree; where they part, look for the next GRAM
    characters of ``clean`` a little way ahead in ``raw`` (the PDF's characters in between
    were removed: a header, a hyphen) or else leave the cleaned character unmatched (it was
    moved here from elsewhere: a footnote; ``_place_moved_runs`` finds those).
    """
    n = len(clean)
    i, j = 0, lo
    while i < n:
        if j < hi and clean[i] == raw[j]:
            match[at + i] = j
            i += 1
            j += 1
            continue
        gram = clean[i : i + GRAM]
        p = raw.find(gram, j, min(hi, j + WINDOW + len(gram))) if len(gram) >= 3 else -1
        if p >= 0:
            j = p
        else:
            i += 1


def _place_moved_runs(clean: str, raw: str, match: list[int], near: list[tuple[int, int]]) -> None:
    """Align runs of unmatched characters (moved text) where they occur unused in ``raw``,
    first in ``near[i]`` (the raw range of the pages around character ``i``), then anywhere."""
    used = bytearray(len(raw))
    for j in match:
        if j >= 0:
            used[j] = 1
    n = len(clean)
    i = 0
    while i < n:
        if match[i] >= 0:
            i += 1
            continue
        gram = clean[i : i + GRAM]
        if len(gram) < GRAM or any(match[k] >= 0 for k in range(i, i + GRAM)):
            i += 1
            continue
        p = -1
        for lo, hi in (near[i], (0, len(raw))):
            p = raw.find(gram, lo, hi)
            while p >= 0 and used[p]:
                p = raw.find(gram, p + 1, hi)
            if p >= 0:
                break
        if p < 0:
            i += 1
            continue
        while i < n and p < len(raw) and match[i] < 0 and clean[i] == raw[p] and not used[p]:
            match[i] = p
            used[p] = 1
            i += 1
            p += 1


def span_text_under(data: bytes, rects: list[Rect]) -> str:
    """The PDF's own characters under ``rects``, in page order, for checking a highlight.

    Read from PDFium's characters afresh, not from the alignment. A character is under a
    rectangle when the centre of its box is: neighbouring glyph boxes overlap (kerning, a
    quote before a word), so a box merely touching the rectangle's edge does not count.
    """
    by_page: dict[int, list[Rect]] = {}
    for r in rects:
        by_page.setdefault(r.page, []).append(r)
    pdf = pdfium.PdfDocument(data)
    out: list[str] = []
    try:
        for number in sorted(by_page):
            page = pdf[number - 1]
            textpage = page.get_textpage()
            try:
                for i in range(textpage.count_chars()):
                    left, bottom, right, top = textpage.get_charbox(i, loose=True)
                    x, y = (left + right) / 2, (bottom + top) / 2
                    if any(
                        r.left <= x <= r.right and r.bottom <= y <= r.top for r in by_page[number]
                    ):
                        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
                        out.append(chr(code) if 0 < code < 0x110000 else "")
            finally:
                textpage.close()
                page.close()
        return "".join(out)
    finally:
        pdf.close()


def same_text(under: str, span: str) -> bool:
    """Does ``under`` (``span_text_under``) read ``span``? White space, hyphens joined across
    lines and case are what cleaning changes, so they are not compared."""
    return folded_text(under) == folded_text(span)


def folded_text(text: str) -> str:
    """``text`` as ``same_text`` compares it."""
    return "".join(_normal(c) for c in text).replace("-", "").casefold()
