"""The data loaders on the shared evaluation data: gold units really hold the answers."""

import re

import pytest

from bench.data import cuad, hotpot, squad


@pytest.fixture(scope="module")
def squad_cases(shared_data):
    return squad.load_cases(shared_data / squad.DEFAULT_FILE, k=8)


def test_squad_gold_paragraph_holds_the_answer(squad_cases):
    assert len(squad_cases) >= 200
    for c in squad_cases[:100]:
        assert len(c.units) == 8 and len(c.gold) == 1
        s, e = c.units[c.gold[0]]
        assert c.answer in c.text[s:e]


def test_squad_splits_are_disjoint_by_article(squad_cases):
    dev = {c.meta["article"] for c in squad_cases if c.split == "dev"}
    test = {c.meta["article"] for c in squad_cases if c.split == "test"}
    assert dev and test and not dev & test
    # dev first, so a prefix of the list never mixes in held-out questions before dev is done
    splits = [c.split for c in squad_cases]
    assert splits == sorted(splits)


def test_squad_sentence_gold_holds_answer_start(shared_data):
    cases = squad.load_cases(shared_data / squad.DEFAULT_FILE, k=4, granularity="sentence")
    for c in cases[:50]:
        s, e = c.units[c.gold[0]]
        assert len(c.units) > 4
        # The answer may run past the sentence's end, but it starts inside the gold sentence.
        starts = [m.start() for m in re.finditer(re.escape(c.answer), c.text)]
        assert any(s <= at < e for at in starts), (c.id, c.answer, c.text[s:e])


def test_squad_mismatched_documents_lack_the_answer(squad_cases):
    neg = squad.mismatched_cases(squad_cases[:40])
    assert len(neg) == 40
    for c in neg:
        assert not c.answerable and c.gold == []
        assert c.meta["article"] != c.meta["question_article"]


def test_hotpot_gold_sentences_are_the_supporting_facts(shared_data):
    cases = hotpot.load_cases(shared_data / hotpot.DEFAULT_FILE)
    assert len(cases) == 53
    c = cases[0]
    gold_text = [c.text[s:e] for s, e in (c.units[g] for g in c.gold)]
    assert gold_text[0].startswith("Scott Derrickson (born July 16, 1966)")
    assert gold_text[1].startswith("Edward Davis Wood Jr.")
    paragraphs = hotpot.load_cases(shared_data / hotpot.DEFAULT_FILE, granularity="paragraph")
    assert paragraphs[0].gold == [1, 4] and len(paragraphs[0].units) == 10


def test_cuad_gold_chunk_holds_the_clause(shared_data):
    cases = cuad.load_cases(shared_data / cuad.DEFAULT_FILE, window=6)
    answerable = [c for c in cases if c.answerable]
    unanswerable = [c for c in cases if not c.answerable]
    assert len(answerable) >= 40 and len(unanswerable) >= 20
    for c in answerable:
        s, e = c.units[c.gold[0]]
        assert " ".join(c.answer.split()[:3]) in " ".join(c.text[s:].split())
    for c in unanswerable:
        assert c.gold == [] and len(c.units) == 6


def test_cuad_whole_contracts_are_narrowed_as_the_product_narrows(shared_data, explainer):
    cases = cuad.load_whole_cases(
        shared_data / cuad.DEFAULT_FILE, explainer.count_tokens, budget_tokens=2048, per_contract=1
    )
    assert {c.dataset for c in cases} == {"cuad-whole"} and len(cases) >= 40
    for c in cases:
        assert explainer.count_tokens(c.text) <= 2048  # what the engine would explain
        assert "\n\n".join(c.text[s:e] for s, e in c.units) == c.text  # whole chunks, in order
    answerable = [c for c in cases if c.answerable]
    kept = [c for c in answerable if c.meta["retrieved"]]
    assert 0 < len(kept) < len(answerable)  # retrieval keeps most gold chunks, not all
    for c in kept:
        s, e = c.units[c.gold[0]]
        assert " ".join(c.answer.split()[:3]) in " ".join(c.text[s:e].split())
    for c in answerable:
        assert bool(c.gold) == c.meta["retrieved"]
    assert all(c.gold == [] and c.meta["retrieved"] is None for c in cases if not c.answerable)
