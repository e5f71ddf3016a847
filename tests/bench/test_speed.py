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
