"""Sentence, word and chunk spans (ingest.segment)."""

from __future__ import annotations

import pytest

from ingest.segment import (
    chunk_spans,
    complete_prefix,
    paragraph_spans,
    sentence_spans,
    word_spans,
)


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_numbered_clause_heading_is_not_its_own_sentence() -> None:
    text = "2. Start Date and Term. Employment begins on 1 April 2026. Probation is three months."
    assert _sentences(text) == [
        "2. Start Date and Term.",
        "Employment begins on 1 April 2026.",
        "Probation is three months.",
    ]


@pytest.mark.parametrize("number", ["2.", "2.1", "2.1.", "(a)", "iv.", "B.", "Section 4."])
def test_clause_numbers_stay_with_their_clause(number: str) -> None:
    assert _sentences(f"{number} The Supplier delivers. The Buyer pays.") == [
        f"{number} The Supplier delivers.",
        "The Buyer pays.",
    ]


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "See Sec. 4 and No. 5 of Exhibit A, e.g. Schedule B. Mr. Lee signs for ABC Inc. "
        "Board approval is needed. This binds XYZ Ltd. The parties agree."
    )
    assert _sentences(text) == [
        "See Sec. 4 and No. 5 of Exhibit A, e.g. Schedule B.",
        "Mr. Lee signs for ABC Inc. Board approval is needed.",
        "This binds XYZ Ltd.",
        "The parties agree.",
    ]


def test_quotes_and_brackets_close_the_sentence() -> None:
    text = 'He said "Stop." Then he left! (It was late.) Why?'
    assert _sentences(text) == ['He said "Stop."', "Then he left!", "(It was late.)", "Why?"]


def test_paragraph_break_ends_a_sentence_and_spans_are_offsets() -> None:
    text = "  First paragraph without a stop\n\nSecond one. Two sentences.  "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "First paragraph without a stop",
        "Second one.",
        "Two sentences.",
    ]
    assert sentence_spans(text, spans[1][0], spans[2][1]) == spans[1:]


def test_words_and_paragraphs() -> None:
    text = "One two.\n\n  Three\n"
    assert [text[s:e] for s, e in word_spans(text)] == ["One", "two.", "Three"]
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["One two.", "Three"]


def test_chunks_merge_short_paragraphs_to_the_target() -> None:
    text = "\n\n".join(f"Paragraph {i} says something short." for i in range(200))
    spans = chunk_spans(text, target=50)
    assert 40 <= len(spans) <= 60
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))
    # Chunks hold whole paragraphs.
    assert all(text[s:e].startswith("Paragraph") and text[s:e].endswith(".") for s, e in spans)


def test_headings_go_with_the_next_paragraph() -> None:
    text = (
        "ARTICLE XI\n\nADDITIONAL RIGHTS\n\nSection 11.1 Assistance. Each Party shall help.\n\n"
        "11.2 Costs. Each Party bears its costs.\n\nSCHEDULE A"
    )
    assert [text[s:e] for s, e in chunk_spans(text)] == [
        "ARTICLE XI\n\nADDITIONAL RIGHTS\n\nSection 11.1 Assistance. Each Party shall help.",
        "11.2 Costs. Each Party bears its costs.",
        "SCHEDULE A",  # nothing follows it
    ]


def test_a_very_long_paragraph_is_split_on_sentences() -> None:
    text = "Short intro.\n\n" + " ".join(f"Sentence {i} of the long clause." for i in range(300))
    spans = chunk_spans(text, target=10)
    assert len(spans) > 5
    assert all(text[s:e].endswith(".") for s, e in spans)


@pytest.mark.parametrize(
    ("cut", "kept"),
    [
        ("Notice is four weeks. The Employee must notify her man", "Notice is four weeks."),
        ('It says "ten days." And then', 'It says "ten days."'),
        ("See No. 5 of the agreement. Under Sec.", "See No. 5 of the agreement."),
        ("The Employee must notify her man", "The Employee must notify her"),
        ("Four weeks.", "Four weeks."),
        ("one", "one"),
    ],
)
def test_complete_prefix_cuts_back_to_the_last_full_sentence(cut: str, kept: str) -> None:
    assert complete_prefix(cut) == kept
