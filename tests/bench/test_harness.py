"""The benchmark harness end to end on tiny slices: records, resume, summary, plots, CLI."""

import json

from typer.testing import CliRunner

from bench import baselines, memory, quality, table1
from bench.data import squad
from cli.main import app


def test_quality_run_resumes_and_summarises(tiny_explainer, shared_data, tmp_path):
    cases = squad.load_cases(shared_data / squad.DEFAULT_FILE, k=2)[:2]
    cases += squad.mismatched_cases(cases)
    records = tmp_path / "r.jsonl"
    methods = [baselines.get("atman"), baselines.get("attention")]
    assert quality.run(tiny_explainer, cases, methods, records) == 8
    assert quality.run(tiny_explainer, cases, methods, records) == 0  # all done: nothing reruns
    recs = quality.read_records(records)
    assert len(recs) == 8 and all(len(r["scores"]) == 2 for r in recs)
    result = quality.summary(recs)
    assert {r["method"] for r in result["table"]} == {"atman", "attention"}
    assert all(r["n"] == 2 for r in result["table"])  # the negatives have no gold: not ranked
    written = quality.write_plots(result, recs, tmp_path)
    assert all(p.stat().st_size > 1000 for p in written)


def test_method_key_names_settings():
    assert quality.method_key(baselines.get("atman")) == "atman"
    assert quality.method_key(baselines.get("atman", factor=0.1)) == "atman[factor=0.1]"


def test_calibration_picks_threshold_on_dev_and_reports_test():
    def rec(split, answerable, best):
        return {
            "method": "atman",
            "scores": [best, 0.0],
            "gold": [0] if answerable else [],
            "case": {
                "split": split,
                "answerable": answerable,
                "granularity": "paragraph",
                "dataset": "squad" if answerable else "squad-mismatched",
            },
        }

    recs = [
        rec("dev", True, 1.0),
        rec("dev", True, 0.6),
        rec("dev", False, 0.1),
        rec("dev", False, 0.05),
        rec("test", True, 0.8),
        rec("test", False, 0.7),
    ]
    cal = quality.calibration(recs)
    assert 0.1 < cal["threshold"] < 0.6
    assert cal["test"]["precision"] is None and cal["test"]["recall"] == 0.0  # 0.7 slips through


def test_table1_labels_are_the_answer_tokens(explainer, shared_data):
    cases = table1.load_cases(shared_data / squad.DEFAULT_FILE, explainer.tokenizer)
    assert len(cases) > 50
    for c in cases[:30]:
        gold_text = "".join(c.text[s:e] for s, e in (c.units[g] for g in c.gold))
        assert c.answer.replace(" ", "") in gold_text.replace(" ", "")
        assert len(c.gold) < len(c.units)


def test_table1_summary_on_known_records():
    recs = [
        {
            "method": "atman",
            "scores": [3, 2, 1, 0],
            "gold": [0, 1],
            "model": "m",
            "case": {"id": "a", "units": 4},
            "forward_passes": 5,
            "seconds": 1.0,
        },
        {
            "method": "attention",
            "scores": [0, 1, 2, 3],
            "gold": [0, 1],
            "model": "m",
            "case": {"id": "a", "units": 4},
            "forward_passes": 1,
            "seconds": 0.5,
        },
    ]
    rows = {(r["method"], r["questions"]): r for r in table1.summary(recs)["rows"]}
    assert rows[("atman", "common")]["mAP"] == 100.0
    assert rows[("attention", "common")]["mAP"] == round(100 * (1 / 3 + 2 / 4) / 2, 1)


def test_memory_document_has_the_asked_length(explainer):
    text = memory.document_of_length(explainer.tokenizer, "Some words here. " * 20, 300)
    assert explainer.count_tokens(text) in range(298, 303)
    spans = memory.equal_spans(text, 4)
    assert spans[0][0] == 0 and spans[-1][1] == len(text) and len(spans) == 4


def test_cli_report_only(tmp_path):
    rec = {
        "method": "atman",
        "settings": {},
        "model": "m",
        "scores": [0.5, 0.1],
        "gold": [0],
        "case": {
            "id": "q",
            "dataset": "squad",
            "granularity": "paragraph",
            "split": "test",
            "answerable": True,
            "units": 2,
        },
        "forward_passes": 3,
        "backward_passes": 0,
        "seconds": 1.0,
        "extra": {},
    }
    records = tmp_path / "q" / "r.jsonl"
    records.parent.mkdir()
    records.write_text(json.dumps(rec) + "\n")
    out = tmp_path / "q.json"
    res = CliRunner().invoke(
        app,
        [
            "bench",
            "quality",
            "--report-only",
            "--records",
            str(records),
            "--json",
            str(out),
            "--plots",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    table = json.loads(out.read_text())["table"]
    assert table[0]["top1"] == 1.0 and table[0]["n"] == 1


def test_atman_scores_every_unit_of_a_case_longer_than_the_context_budget(tiny_explainer):
    from dataclasses import replace

    from bench.data.case import Case, join_paragraphs

    paragraphs = [f"Clause {i}. The fee for item {i} is {i * 7} pounds a month." for i in range(40)]
    text, units = join_paragraphs(paragraphs)
    case = Case(
        "long", "hand", "test", text, "What is the fee for item 3?", "21 pounds", units, [3]
    )
    product = tiny_explainer.config
    tiny_explainer.config = replace(product, context_budget_tokens=128)  # the case is ~800
    try:
        attribution = baselines.get("atman").attribute(tiny_explainer, case)
        assert tiny_explainer.config.context_budget_tokens == 128  # restored afterwards
    finally:
        tiny_explainer.config = product
    assert len(attribution.scores) == len(units)
    assert attribution.forward_passes == len(units) + 1  # every unit explained, none dropped


def test_paired_tables_compare_most_methods_on_all_their_questions():
    def rec(method, i, hit):
        scores = [1.0, 0.0] if hit else [0.0, 1.0]
        case = {"id": str(i), "dataset": "d", "granularity": "paragraph", "split": "test"}
        return {
            "method": method,
            "model": "m",
            "case": {**case, "units": 2, "answerable": True},
            "gold": [0],
            "scores": scores,
            "seconds": 1.0,
            "forward_passes": 3,
            "backward_passes": 0,
        }

    records = [rec("a", i, True) for i in range(40)] + [rec("b", i, i < 20) for i in range(40)]
    records += [rec("costly", i, True) for i in range(12)]
    result = quality.summary(records)
    assert [r["n"] for r in result["paired"]["d/paragraph/test"]] == [12, 12, 12]
    most = result["paired"]["d/paragraph/test/n>=20"]
    assert [(r["method"], r["n"], r["top1"]) for r in most] == [("a", 40, 1.0), ("b", 40, 0.5)]


def test_memory_probe_over_its_cap_reports_an_error_instead_of_failing():
    from bench import memory_probe

    spec = {"text_file": "/nonexistent", "question": "q", "answer": "a"}
    result = memory_probe.measure("forward", spec, limit_mb=64)  # torch alone needs more
    assert result["kind"] == "forward" and result["error"].startswith("exit ")
