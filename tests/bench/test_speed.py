"""`docqa bench speed` machinery on a tiny model: same scores as the naive path, sane figures."""

from __future__ import annotations

from bench import speed
from ingest.segment import sentence_spans


def test_speed_bench_reports_the_required_fields(tiny_explainer):
    text = "\n\n".join(speed.EXAMPLE.read_text().split("\n\n")[:6])
    case = speed.Case("tiny", text, sentence_spans(text), "What is the pay?", "28.50 GBP")
    seen = []
    result = speed.run(tiny_explainer, [case], memory=False, on_row=seen.append)
    for key in ("naive_seconds", "fast_seconds", "speedup", "max_abs_diff", "floor_ratio"):
        assert key in result and result[key] is not None
    row = result["cases"][0]
    assert seen == [row]
    assert row["max_abs_diff"] < 1e-4
    assert row["fast_token_passes"] < row["naive_token_passes"]
    assert row["ideal_token_passes"] <= row["fast_token_passes"]
    assert row["fast_forward_passes"] == row["naive_forward_passes"] == len(case.units) + 1


def test_speed_bench_reports_each_scope_against_its_own_reference(tiny_explainer):
    text = "\n\n".join(speed.EXAMPLE.read_text().split("\n\n")[:6])
    units = sentence_spans(text)
    case = speed.Case("tiny", text, units, "What is the pay?", "28.50 GBP")
    result = speed.run(
        tiny_explainer, [case], memory=False, scopes=("full", "answer_side", "two_stage")
    )
    full, answer_side, two_stage = result["cases"]
    assert [r["scope"] for r in result["cases"]] == ["full", "answer_side", "two_stage"]
    assert [r["naive_scope"] for r in result["cases"]] == ["full", "answer_side", "full"]
    for row in result["cases"]:
        assert row["max_abs_diff"] < 1e-4  # two-stage: on its verified units
        assert row["ideal_token_passes"] <= row["fast_token_passes"]
    length, doc_end = answer_side["sequence_length"], answer_side["document_end"]
    assert answer_side["ideal_token_passes"] == length + len(units) * (length - doc_end)
    assert len(two_stage["verified"]) == tiny_explainer.config.verify_k
    assert (
        answer_side["fast_token_passes"]
        < two_stage["fast_token_passes"]
        < full["fast_token_passes"]
    )
