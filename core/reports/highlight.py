"""Turn scored character spans into flat, non-overlapping text segments for rendering.

Units (paragraphs, or sentences/words when the explanation zoomed in) and evidence spans can
overlap and nest. Renderers need a flat sequence instead, so the text is cut at every span
boundary and each piece carries the strongest unit score and evidence score that covers it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    unit_score: float | None  # strongest unit covering this piece; None = no unit covers it
    evidence_score: float | None  # strongest evidence span covering it; None = not evidence


@dataclass(frozen=True)
class Window:
    """A part of the document shown as an excerpt; ``clipped_*`` say whether text was cut."""

    start: int
    end: int
    clipped_start: bool
    clipped_end: bool


def _spans(items: Iterable[Mapping[str, Any]], length: int) -> list[tuple[int, int, float]]:
    out = []
    for item in items:
        start = max(0, min(int(item["start"]), length))
        end = max(start, min(int(item["end"]), length))
        if end > start:
            out.append((start, end, float(item.get("score") or 0.0)))
    return out


def segments(
    text: str,
    units: Iterable[Mapping[str, Any]],
    evidence: Iterable[Mapping[str, Any]] = (),
    start: int = 0,
    end: int | None = None,
) -> list[Segment]:
    """Cut ``text[start:end]`` at every unit/evidence boundary; offsets stay document offsets."""
    end = len(text) if end is None else min(end, len(text))
    unit_spans = _spans(units, len(text))
    evidence_spans = _spans(evidence, len(text))
    cuts = {start, end}
    for s, e, _ in unit_spans + evidence_spans:
        cuts.update(c for c in (s, e) if start < c < end)
    points = sorted(cuts)
    pieces = list(zip(points, points[1:], strict=False))
    unit_max = _covering_max(pieces, unit_spans)
    evidence_max = _covering_max(pieces, evidence_spans)
    return [
        Segment(a, b, u, v) for (a, b), u, v in zip(pieces, unit_max, evidence_max, strict=True)
    ]


def _covering_max(
    pieces: list[tuple[int, int]], spans: list[tuple[int, int, float]]
) -> list[float | None]:
    """For each piece (no span boundary inside it), the largest score of the spans covering
    it. A sweep with a max-heap: O(n log n), so word-level explanations of long documents
    (thousands of units) render quickly."""
    order = sorted(spans)
    heap: list[tuple[float, int]] = []  # (-score, end) of spans started so far
    out: list[float | None] = []
    i = 0
    for a, _b in pieces:
        while i < len(order) and order[i][0] <= a:
            heapq.heappush(heap, (-order[i][2], order[i][1]))
            i += 1
        while heap and heap[0][1] <= a:  # ended before this piece: drop lazily
            heapq.heappop(heap)
        out.append(-heap[0][0] if heap else None)
    return out


def max_positive(scores: Iterable[float | None]) -> float:
    """Largest positive score, or 0.0 when nothing scored above zero."""
    return max((s for s in scores if s is not None and s > 0), default=0.0)


# Evidence colour of every report (HTML, annotated PDF; the web page's app.js matches it):
# orange for supported answers; grey when the answer is not supported, so weak evidence
# (normalised to the item's own maximum) does not look as convincing as real evidence.
HUES = {True: (255, 140, 0), False: (140, 140, 140)}


def evidence_alpha(level: float) -> float:
    """Opacity of an evidence highlight of ``intensity`` ``level``."""
    return 0.15 + 0.7 * level


def intensity(score: float | None, scale: float) -> float:
    """0..1 colour strength: only positive scores light up (negative = the unit helped nothing)."""
    if score is None or score <= 0 or scale <= 0:
        return 0.0
    return min(score / scale, 1.0)


def excerpt_windows(
    text: str,
    spans: Iterable[Mapping[str, Any]],
    context: int = 160,
    max_chars: int = 1600,
) -> list[Window]:
    """Windows of ``text`` around ``spans`` (with ``context`` characters either side), merged
    where they touch; a single span longer than ``max_chars`` is cut there.

    Windows are widened to whole paragraphs nearby, else to whole words.
    """
    raw = []
    for s, e, _ in _spans(spans, len(text)):
        e = min(e, s + max_chars)
        raw.append((max(0, s - context), min(len(text), e + context)))
    merged: list[list[int]] = []
    for s, e in sorted(raw):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    windows = []
    for s0, e0 in merged:
        s, e = _widen(text, s0, e0)
        windows.append(Window(s, e, s > 0, e < len(text)))
    return windows


def _widen(text: str, start: int, end: int, reach: int = 300) -> tuple[int, int]:
    """Grow ``[start, end)`` to whole paragraphs when a paragraph break is within ``reach``
    characters, else to whole words (bounded, so a text without spaces cannot swallow all)."""
    if start > 0:
        brk = text.rfind("\n\n", max(0, start - reach), start)
        if brk >= 0:
            start = brk + 2
        else:
            limit = max(0, start - 40)
            while start > limit and not text[start - 1].isspace():
                start -= 1
    if end < len(text):
        brk = text.find("\n\n", end, end + reach)
        if brk >= 0:
            end = brk
        else:
            limit = min(len(text), end + 40)
            while end < limit and not text[end].isspace():
                end += 1
    return start, end
