"""What an explanation returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple


class GeneratedAnswer(NamedTuple):
    text: str
    trimmed: bool  # the token limit cut it; text ends at its last full sentence (or word)


@dataclass
class UnitScore:
    index: int
    start: int  # character offsets into the explained text
    end: int
    score: float  # mean CE increase over answer tokens when the unit is suppressed
    token_scores: list[float] = field(default_factory=list)  # per answer token
    # Scored with the full scope, i.e. exact AtMan (DESIGN 1.7): every unit of a full-scope
    # explanation, none of an answer-side one, the re-scored top of a two-stage one.
    verified: bool = True


@dataclass
class Explanation:
    question: str
    answer: str
    answer_source: str  # "generated" | "given"
    answer_tokens: list[str]
    units: list[UnitScore]  # in document order
    supported: bool
    threshold: float
    model: str
    method: dict  # {"name", "mode", "factor", "kappa", "granularity", "scope"[, "verify_k"]}
    forward_passes: int
    seconds: float
    # Character spans of the document that were explained; None = the whole document.
    explained_spans: list[tuple[int, int]] | None = None
    base_ce: float = 0.0  # mean answer CE with nothing suppressed
    stats: dict = field(default_factory=dict)  # batches, token passes, timings
    # A generated answer the token limit cut, trimmed to its last full sentence.
    answer_trimmed: bool = False

    def top(self, k: int = 3) -> list[UnitScore]:
        return sorted(self.units, key=lambda u: u.score, reverse=True)[:k]

    @property
    def best_score(self) -> float:
        return max((u.score for u in self.units), default=0.0)

    def to_dict(self) -> dict:
        return asdict(self)
