"""Units at every granularity map to the right tokens and back to the right text."""

from __future__ import annotations

import re

import pytest

from explain_engine import InvalidInputError
from explain_engine.prompt import build_prompt
from ingest.segment import chunk_spans, sentence_spans, word_spans
from tests.conftest import EXAMPLE_TXT

TEXT = EXAMPLE_TXT.read_text()


def test_token_ranges_cover_exactly_the_unit_text(tokenizer):
    prompt = build_prompt(tokenizer, TEXT, "What is the pay?", "28.50 GBP")
    spans = sentence_spans(TEXT)
    ranges = prompt.token_ranges(spans)
    for (s, e), (ts, te) in zip(spans, ranges, strict=True):
        decoded = tokenizer.decode(prompt.input_ids[0, ts:te]).strip()
        assert decoded == TEXT[s:e].strip()


def test_ranges_are_in_document_order_and_inside_the_document(tokenizer):
    prompt = build_prompt(tokenizer, TEXT, "Q?", "A")
    ranges = prompt.token_ranges(chunk_spans(TEXT))
    d0, d1 = prompt.doc_tokens
    assert all(d0 <= ts < te <= d1 for ts, te in ranges)
    assert [r[0] for r in ranges] == sorted(r[0] for r in ranges)
    assert prompt.answer_start > d1


@pytest.mark.parametrize(
    "granularity, splitter", [("sentence", sentence_spans), ("word", word_spans)]
)
def test_granularity_units_follow_the_splitter(tiny, granularity, splitter):
    text = "\n\n".join(TEXT.split("\n\n")[5:7])
    result = tiny.explain(text, "What is the pay?", answer="28.50 GBP", granularity=granularity)
    assert [(u.start, u.end) for u in result.units] == splitter(text)
    assert result.method["granularity"] == granularity
    assert all(len(u.token_scores) == len(result.answer_tokens) for u in result.units)


def test_token_granularity_units_are_the_documents_tokens(tiny):
    text = "5. Pay. The Employee is paid 28.50 GBP per hour worked."
    result = tiny.explain(text, "What is the pay?", answer="28.50 GBP", granularity="token")
    pieces = [text[u.start : u.end] for u in result.units]
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert len(result.units) == result.forward_passes - 1 > 10


def test_caller_spans_are_explained_as_given(tiny):
    spans = [(0, 20), (100, 180), (900, 1000)]
    result = tiny.explain(TEXT, "Who?", answer="Jane", units=spans)
    assert [(u.start, u.end) for u in result.units] == spans
    assert result.method["granularity"] == "spans"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"question": "  "}, "question is empty"),
        ({"units": [(5, 2)]}, "outside the text"),
        ({"units": [(0, 10**7)]}, "outside the text"),
        ({"units": []}, "no units"),
        ({"granularity": "chapter"}, "unknown granularity 'chapter'"),
        ({"mode": "subtractive"}, "unknown mode 'subtractive'"),
        ({"factor": 1.5}, "factor must be in [0, 1)"),
    ],
)
def test_bad_input_gets_a_clear_error(tiny, kwargs, message):
    args = {"question": "Who?", "answer": "Jane"} | kwargs
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        tiny.explain(TEXT, **args)


def test_plain_prompt_without_chat_template(tokenizer):
    import copy

    plain = copy.copy(tokenizer)
    plain.chat_template = None
    prompt = build_prompt(plain, TEXT, "What is the pay?", "28.50 GBP")
    assert plain.decode(prompt.answer_ids).strip() == "28.50 GBP"
    ranges = prompt.token_ranges([(0, 20)])
    assert plain.decode(prompt.input_ids[0, ranges[0][0] : ranges[0][1]]).strip() == TEXT[:20]
