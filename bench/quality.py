"""`docqa bench quality`: evidence quality of attribution methods on labelled documents.

Every (method, case) result is appended as one JSON line to a records file, so a run can stop
at any time and resume where it stopped; the summary (tables, calibration, plots) is computed
from all records in the file.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from bench import metrics
from bench.baselines.base import Method
from bench.data.case import Case
from explain_engine import Explainer


def method_key(method: Method) -> str:
    """Name plus the settings that differ from the method's defaults, e.g. atman[factor=0.1]."""
    settings = {k: v for k, v in method.settings().items() if v is not None}
    if not settings:
        return method.name
    return method.name + "[" + ",".join(f"{k}={v}" for k, v in sorted(settings.items())) + "]"


def read_records(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut short by a killed run
                continue
    return out


def append_record(path: Path, record: dict) -> None:
    """One JSON line, written as soon as it exists: a stopped run resumes after it."""
    with path.open("a") as f:
        f.write(json.dumps(record) + "\n")


def run(
    explainer: Explainer,
    cases: Iterable[Case],
    methods: list[Method],
    records_path: Path,
    on_record=None,
) -> int:
    """Explain every case with every method not yet in ``records_path``; returns how many ran."""
    records_path.parent.mkdir(parents=True, exist_ok=True)
    done = {
        (r["method"], r["case"]["id"], r["case"]["dataset"], r["case"]["granularity"])
        for r in read_records(records_path)
    }
    ran = 0
    for case in cases:
        for method in methods:
            key = method_key(method)
            if (key, case.id, case.dataset, case.granularity) in done:
                continue
            t0 = time.perf_counter()
            attribution = method.attribute(explainer, case)
            seconds = time.perf_counter() - t0
            record = {
                "method": key,
                "settings": method.settings(),
                "model": explainer.model_name,
                "device": explainer.model.device.type,
                "case": case.header(),
                "gold": case.gold,
                "scores": attribution.scores,
                "forward_passes": attribution.forward_passes,
                "backward_passes": attribution.backward_passes,
                "seconds": round(seconds, 3),
                "extra": attribution.extra,
            }
            append_record(records_path, record)
            ran += 1
            if on_record:
                on_record(record)
    return ran


def _group(records: list[dict]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        c = r["case"]
        groups[(c["dataset"], c["granularity"], c["split"], r["method"])].append(r)
    return groups


def ranking_table(records: list[dict]) -> list[dict]:
    """One row per (dataset, granularity, split, method): quality and cost."""
    rows = []
    for (dataset, gran, split, method), recs in sorted(_group(records).items()):
        answerable = [r for r in recs if r["gold"]]
        if not answerable:
            continue
        summary = metrics.ranking_summary(answerable)
        rows.append(
            {
                "dataset": dataset,
                "granularity": gran,
                "split": split,
                "method": method,
                **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in summary.items()},
                "units_mean": round(metrics.mean([r["case"]["units"] for r in answerable]), 1),
                "forward_passes": round(metrics.mean([r["forward_passes"] for r in answerable]), 1),
                "backward_passes": round(
                    metrics.mean([r["backward_passes"] for r in answerable]), 1
                ),
                "seconds": round(metrics.mean([r["seconds"] for r in answerable]), 2),
                "device": "+".join(sorted({r.get("device", "cpu") for r in answerable})),
            }
        )
    return rows


def paired_table(records: list[dict], dataset: str, granularity: str, split: str) -> list[dict]:
    """Methods compared on exactly the cases every one of them explained (a fair subset)."""
    by_method: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in records:
        c = r["case"]
        if (c["dataset"], c["granularity"], c["split"]) == (dataset, granularity, split) and r[
            "gold"
        ]:
            by_method[r["method"]][c["id"]] = r
    if not by_method:
        return []
    common = set.intersection(*(set(v) for v in by_method.values()))
    rows = []
    for method, recs in sorted(by_method.items()):
        sel = [recs[i] for i in sorted(common)]
        if not sel:
            continue
        rows.append(
            {
                "method": method,
                **metrics.ranking_summary(sel),
                "seconds": metrics.mean([r["seconds"] for r in sel]),
                "forward_passes": metrics.mean([r["forward_passes"] for r in sel]),
                "backward_passes": metrics.mean([r["backward_passes"] for r in sel]),
            }
        )
    return rows


# The "not supported" call must be right at least this often on dev (see metrics.best_threshold).
MIN_PRECISION = 0.9
# Methods with at least this many questions get a paired table of their own.
MIN_PAIRED = 10


def calibration(records: list[dict], method: str = "atman") -> dict | None:
    """Threshold of the "supported" call, chosen on dev, reported on test (best unit score)."""
    recs = [r for r in records if r["method"] == method and r["case"]["granularity"] == "paragraph"]
    if not any(not r["case"]["answerable"] for r in recs):
        return None
    out: dict = {"method": method}
    split_data = {}
    for split in ("dev", "test"):
        sel = [r for r in recs if r["case"]["split"] == split]
        split_data[split] = (
            [max(r["scores"]) for r in sel],
            [r["case"]["answerable"] for r in sel],
            [r["case"]["dataset"] for r in sel],
        )
        out[f"{split}_counts"] = {
            "answerable": sum(a for a in split_data[split][1]),
            "unanswerable": sum(not a for a in split_data[split][1]),
            "by_dataset": {
                d: sum(1 for x in split_data[split][2] if x == d)
                for d in sorted(set(split_data[split][2]))
            },
        }
    best, ans, _ = split_data["dev"]
    if not best or all(ans) or not any(ans):
        return out
    chosen = metrics.best_threshold(best, ans, min_precision=MIN_PRECISION)
    out["dev"] = chosen
    out["threshold"] = round(chosen["threshold"], 3)
    if split_data["test"][0]:
        out["test"] = metrics.not_supported_quality(
            split_data["test"][0], split_data["test"][1], out["threshold"]
        )
    return out


def retrieval_table(records: list[dict]) -> list[dict]:
    """How often the product's retrieval kept the gold chunk (cases narrowed before explaining)."""
    cases: dict[tuple, dict] = {}
    for r in records:
        c = r["case"]
        if c["answerable"] and c.get("meta", {}).get("retrieved") is not None:
            cases[(c["dataset"], c["split"], c["id"])] = c
    rows = []
    for dataset, split in sorted({(d, s) for d, s, _ in cases}):
        sel = [c for (d, s, _), c in cases.items() if (d, s) == (dataset, split)]
        kept = sum(c["meta"]["retrieved"] for c in sel)
        rows.append(
            {
                "dataset": dataset,
                "split": split,
                "answerable": len(sel),
                "gold_retrieved": kept,
                "recall": round(kept / len(sel), 3),
                "chunks_mean": round(metrics.mean([c["meta"]["chunks"] for c in sel]), 1),
                "units_mean": round(metrics.mean([c["units"] for c in sel]), 1),
            }
        )
    return rows


def unique(records: list[dict]) -> list[dict]:
    """One record per (method, case): parallel runs over overlapping cases may both write one."""
    seen, out = set(), []
    for r in records:
        key = (r["method"], r["case"]["id"], r["case"]["dataset"], r["case"]["granularity"])
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def summary(records: list[dict]) -> dict:
    records = unique(records)
    table = ranking_table(records)
    paired = {}
    for dataset, gran, split in sorted(
        {(r["dataset"], r["granularity"], r["split"]) for r in table}
    ):
        rows = paired_table(records, dataset, gran, split)
        if len(rows) > 1:
            paired[f"{dataset}/{gran}/{split}"] = rows
        # The same without methods run on far fewer questions (the costly baselines), so the
        # others are compared on all their questions.
        counts = {
            r["method"]: r["n"]
            for r in table
            if (r["dataset"], r["granularity"], r["split"]) == (dataset, gran, split)
        }
        least = max(MIN_PAIRED, max(counts.values()) // 2)
        many = {m for m, n in counts.items() if n >= least}
        rows = paired_table([r for r in records if r["method"] in many], dataset, gran, split)
        if len(rows) > 1 and len(many) < len(counts):
            paired[f"{dataset}/{gran}/{split}/n>={least}"] = rows
    return {
        "model": records[0]["model"] if records else None,
        "table": table,
        "paired": paired,
        "retrieval": retrieval_table(records),
        "calibration": calibration(records),
    }


def write_plots(result: dict, records: list[dict], folder: Path) -> list[Path]:
    matplotlib.use("Agg")  # files only, no display
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in result["paired"].items():
        fig, ax = plt.subplots(figsize=(7, 3.5))
        labels = [r["method"] for r in rows]
        ax.bar(labels, [r["top1"] for r in rows], color="tab:blue")
        ax.set_ylabel("top-1 accuracy")
        ax.set_ylim(0, 1)
        ax.set_title(f"{name}: same {rows[0]['n']} questions for every method")
        ax.tick_params(axis="x", rotation=30, labelsize=7)
        for i, r in enumerate(rows):
            ax.text(
                i,
                r["top1"] + 0.02,
                f"{r['top1']:.2f}\n{r['seconds']:.0f}s",
                ha="center",
                fontsize=7,
            )
        fig.tight_layout()
        path = folder / f"quality_{name.replace('/', '_').replace('>=', '_min')}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)
    atman = [
        r for r in records if r["method"] == "atman" and r["case"]["granularity"] == "paragraph"
    ]
    if any(not r["case"]["answerable"] for r in atman):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for label, sel in (
            ("answer in document", [r for r in atman if r["case"]["answerable"]]),
            ("answer not in document", [r for r in atman if not r["case"]["answerable"]]),
        ):
            ax.hist([max(r["scores"]) for r in sel], bins=30, alpha=0.6, label=label)
        if result.get("calibration") and "threshold" in result["calibration"]:
            ax.axvline(result["calibration"]["threshold"], color="k", ls="--", label="threshold")
        ax.set_xlabel("best unit score (nats)")
        ax.set_ylabel("questions")
        ax.legend()
        fig.tight_layout()
        path = folder / "supported_calibration.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)
    return written


def write(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
