"""One evaluation item: what every loader yields and every method explains."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

Span = tuple[int, int]


@dataclass
class Case:
    id: str
    dataset: str
    split: str  # "dev" (settings chosen on it) or "test" (held out)
    text: str
    question: str
    answer: str
    units: list[Span]  # character spans of `text` that methods score
    gold: list[int]  # indices into `units`; empty when the document does not hold the answer
    granularity: str = "paragraph"
    answerable: bool = True
    meta: dict = field(default_factory=dict)

    def header(self) -> dict:
        """Everything but the text: what a result record stores about its case."""
        d = asdict(self)
        d.pop("text")
        d["units"] = len(self.units)
        return d


def unit_holding(units: list[Span], offset: int) -> int:
    """Index of the unit whose span holds character ``offset`` (the nearest one before it)."""
    best = 0
    for i, (s, e) in enumerate(units):
        if s <= offset < e:
            return i
        if s <= offset:
            best = i
    return best


def join_paragraphs(paragraphs: list[str], sep: str = "\n\n") -> tuple[str, list[Span]]:
    """Text of paragraphs joined by ``sep`` and the span of each inside it."""
    spans, pos = [], 0
    for p in paragraphs:
        spans.append((pos, pos + len(p)))
        pos += len(p) + len(sep)
    return sep.join(paragraphs), spans
