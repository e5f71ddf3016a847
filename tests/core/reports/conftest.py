"""Explanation results shaped exactly like `docqa explain --json` (DESIGN 2.1), over a small
contract text whose clauses are known, so the renderers can be checked without the model."""

from __future__ import annotations

import pytest

CONTRACT = (
    "SERVICE AGREEMENT\n\n"
    "1. Fees. The Client pays 40 EUR per hour.\n\n"
    "2. Notes. <script>alert('x')</script> & \"quotes\" stay text.\n\n"
    "3. Governing Law. This Agreement is governed by the laws of Ireland.\n"
)


def span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


@pytest.fixture
def contract() -> str:
    return CONTRACT


@pytest.fixture
def result() -> dict:
    text = CONTRACT
    paragraphs = [
        span(text, "SERVICE AGREEMENT"),
        span(text, "1. Fees. The Client pays 40 EUR per hour."),
        span(text, "2. Notes. <script>alert('x')</script> & \"quotes\" stay text."),
        span(text, "3. Governing Law. This Agreement is governed by the laws of Ireland."),
    ]
    scores = [0.01, -0.02, 0.05, 0.80]
    units = [
        {"index": i, "start": s, "end": e, "page": 1 if i < 2 else 2, "score": sc}
        for i, ((s, e), sc) in enumerate(zip(paragraphs, scores, strict=True))
    ]
    law = span(text, "governed by the laws of Ireland")
    evidence = [
        {"start": law[0], "end": law[1], "page": 2, "score": 0.80, "text": text[law[0] : law[1]]},
        {
            "start": paragraphs[2][0],
            "end": paragraphs[2][1],
            "page": 2,
            "score": 0.05,
            "text": text[paragraphs[2][0] : paragraphs[2][1]],
        },
    ]
    return {
        "document": {"name": "service.pdf", "pages": 2, "chars": len(text), "sha256": "0" * 64},
        "question": "Which law governs the agreement?",
        "answer": "Irish law",
        "answer_source": "given",
        "model": "SmolLM2-135M-Instruct",
        "method": {
            "name": "atman",
            "mode": "log_additive",
            "factor": 0.0,
            "kappa": None,
            "granularity": "paragraph",
        },
        "units": units,
        "evidence": evidence,
        "supported": True,
        "cost": {"forward_passes": 5, "seconds": 1.25},
        "explained_chunks": [0, 1, 2, 3],
    }
