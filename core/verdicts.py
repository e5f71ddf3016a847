"""How every surface names, colours and counts the three-way verdict (DESIGN 1.8)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from explain_engine.verdict import CONTRADICTED, NOT_IN_DOCUMENT, SUPPORTED, VERDICTS

TEXT = {
    SUPPORTED: "supported",
    CONTRADICTED: "contradicted",
    NOT_IN_DOCUMENT: "not in the document",
}
# Okabe-Ito colours: blue, vermillion and grey stay apart for every kind of colour blindness;
# each badge also carries its word, so colour is never the only cue.
COLOURS = {SUPPORTED: "#0072B2", CONTRADICTED: "#D55E00", NOT_IN_DOCUMENT: "#6B6B6B"}
# Results stored before the verdict existed carry only "supported".
LEGACY_UNSUPPORTED = "not_supported"


def label_of(result: Mapping[str, Any] | None) -> str | None:
    """The verdict of a result; for an older result, supported or ``LEGACY_UNSUPPORTED``."""
    if not result:
        return None
    verdict = result.get("verdict")
    if isinstance(verdict, Mapping) and verdict.get("label") in VERDICTS:
        return str(verdict["label"])
    if "supported" not in result:
        return None
    return SUPPORTED if result["supported"] else LEGACY_UNSUPPORTED


def text_of(label: str | None) -> str:
    return TEXT.get(label or "", "not supported")


def counts(results: Iterable[Mapping[str, Any] | None]) -> dict[str, int]:
    """How many results got each verdict (older results count as not in the document)."""
    out = dict.fromkeys(VERDICTS, 0)
    for result in results:
        label = label_of(result)
        if label == LEGACY_UNSUPPORTED:
            label = NOT_IN_DOCUMENT
        if label is not None:
            out[label] += 1
    return out
