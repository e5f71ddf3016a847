"""`docqa bench table1`: the paper's Table 1 protocol on SQuAD (AtMan, Deiseroth et al. 2023).

One SQuAD paragraph is the document, every token of it is a unit, and the tokens of the gold
answer span inside the paragraph are the positives. Per question: average precision and
average recall of the ranking (bench.metrics); the table reports their means (mAP, mAR).
The paper's figures (GPT-J 6B): AtMan mAP 73.7, Chefer 72.7, IxG 51.7, IG 49.5.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from bench import metrics
from bench.data.case import Case
from bench.data.squad import split_of
from explain_engine.prompt import build_prompt

PAPER = {"atman": 73.7, "chefer": 72.7, "input_x_gradient": 51.7, "integrated_gradients": 49.5}


def load_cases(
    path: Path, tokenizer, split: str = "test", max_chars: int = 500, dev_every: int = 4
) -> list[Case]:
    """The first question of each paragraph no longer than ``max_chars`` (cost grows with it)."""
    out = []
    for a, article in enumerate(json.loads(Path(path).read_text())["data"]):
        if split_of(a, dev_every) != split:
            continue
        for p in article["paragraphs"]:
            if len(p["context"]) > max_chars or not p["qas"]:
                continue
            qa = p["qas"][0]
            ans = qa["answers"][0]
            a0, a1 = ans["answer_start"], ans["answer_start"] + len(ans["text"])
            prompt = build_prompt(tokenizer, p["context"], qa["question"], ans["text"])
            # Whitespace-only tokens (line breaks) carry no content; they are no units.
            units = [(s, e) for s, e in prompt.document_token_spans() if p["context"][s:e].strip()]
            gold = [i for i, (s, e) in enumerate(units) if s < a1 and e > a0]
            out.append(
                Case(
                    id=qa["id"],
                    dataset="squad-table1",
                    split=split,
                    text=p["context"],
                    question=qa["question"],
                    answer=ans["text"],
                    units=units,
                    gold=gold,
                    granularity="token",
                    meta={"article": article["title"]},
                )
            )
    # Interleave articles so a short run still spans many of them.
    by_article: dict[str, list[Case]] = {}
    for c in out:
        by_article.setdefault(c.meta["article"], []).append(c)
    groups, ordered = list(by_article.values()), []
    while any(groups):
        for g in groups:
            if g:
                ordered.append(g.pop(0))
    return ordered


def summary(records: list[dict]) -> dict:
    by_method: dict[str, dict[str, dict]] = {}
    for r in records:
        by_method.setdefault(r["method"], {})[r["case"]["id"]] = r
    common = set.intersection(*(set(v) for v in by_method.values())) if by_method else set()
    rows = []
    for method, recs in sorted(by_method.items()):
        for scope, ids in (("all", sorted(recs)), ("common", sorted(common))):
            sel = [recs[i] for i in ids if recs[i]["gold"]]
            if not sel:
                continue
            rows.append(
                {
                    "method": method,
                    "questions": scope,
                    "n": len(sel),
                    "mAP": round(
                        100
                        * metrics.mean(
                            [metrics.average_precision(r["scores"], r["gold"]) for r in sel]
                        ),
                        1,
                    ),
                    "mAR": round(
                        100
                        * metrics.mean(
                            [metrics.average_recall(r["scores"], r["gold"]) for r in sel]
                        ),
                        1,
                    ),
                    "paper_mAP": PAPER.get(method.split("[")[0]),
                    "tokens_mean": round(metrics.mean([r["case"]["units"] for r in sel]), 1),
                    "forward_passes": round(metrics.mean([r["forward_passes"] for r in sel]), 1),
                    "seconds": round(metrics.mean([r["seconds"] for r in sel]), 2),
                }
            )
    # A random ranking's expected AP is about the share of positives: the floor to beat.
    base = [
        len(r["gold"]) / r["case"]["units"] for recs in by_method.values() for r in recs.values()
    ]
    return {
        "rows": rows,
        "random_map_approx": round(100 * metrics.mean(base), 1) if base else None,
        "model": records[0]["model"] if records else None,
        "paper": {"model": "GPT-J 6B", "mAP": PAPER},
    }


def plot(result: dict, path: Path) -> None:
    matplotlib.use("Agg")  # files only, no display
    rows = [r for r in result["rows"] if r["questions"] == "common"]
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    xs = range(len(rows))
    ax.bar([x - 0.2 for x in xs], [r["mAP"] for r in rows], width=0.4, label="mAP (ours)")
    ax.bar(
        [x + 0.2 for x in xs],
        [r["paper_mAP"] or 0 for r in rows],
        width=0.4,
        label="mAP (paper, GPT-J 6B)",
        alpha=0.6,
    )
    ax.set_xticks(list(xs), [r["method"] for r in rows], rotation=20, fontsize=8)
    ax.set_ylabel("mAP (%)")
    ax.set_title(f"SQuAD token-level explanations, {rows[0]['n']} questions")
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
