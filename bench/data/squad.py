"""SQuAD v1.1 as document-level cases (DESIGN 4): K consecutive paragraphs of one article.

Each window of K paragraphs gives K questions (the first question of each paragraph), so the
gold position is spread evenly. Articles are split: every ``dev_every``-th article is dev, the
rest are held out. Cases are interleaved across windows so any prefix of the list is a fair
sample (runs can stop early and resume).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from bench.data.case import Case, join_paragraphs, unit_holding
from ingest.segment import sentence_spans

DEFAULT_FILE = "squad/squad-v1.1-dev-part-a.json"


def split_of(article_index: int, dev_every: int = 4) -> str:
    return "dev" if article_index % dev_every == 0 else "test"


def _interleave(groups: list[list[Case]], seed: int) -> list[Case]:
    rng = random.Random(seed)
    groups = [list(g) for g in groups]
    for g in groups:
        rng.shuffle(g)
    rng.shuffle(groups)
    out: list[Case] = []
    while any(groups):
        for g in groups:
            if g:
                out.append(g.pop(0))
    return out


def load_cases(
    path: Path,
    k: int = 8,
    granularity: str = "paragraph",
    split: str | None = None,
    dev_every: int = 4,
    seed: int = 0,
) -> list[Case]:
    """Answerable cases; ``split`` None gives both splits (dev first, then test)."""
    data = json.loads(Path(path).read_text())["data"]
    by_split: dict[str, list[list[Case]]] = {"dev": [], "test": []}
    for a, article in enumerate(data):
        sp = split_of(a, dev_every)
        paras = article["paragraphs"]
        for w in range(0, len(paras) - k + 1, k):
            window = paras[w : w + k]
            text, para_spans = join_paragraphs([p["context"] for p in window])
            units = para_spans if granularity == "paragraph" else sentence_spans(text)
            group = []
            for j, p in enumerate(window):
                if not p["qas"]:
                    continue
                qa = p["qas"][0]
                ans = qa["answers"][0]
                at = para_spans[j][0] + ans["answer_start"]
                group.append(
                    Case(
                        id=qa["id"],
                        dataset="squad",
                        split=sp,
                        text=text,
                        question=qa["question"],
                        answer=ans["text"],
                        units=units,
                        gold=[unit_holding(units, at)],
                        granularity=granularity,
                        meta={
                            "article": article["title"],
                            "window": w // k,
                            "gold_paragraph": j,
                            "k": k,
                        },
                    )
                )
            by_split[sp].append(group)
    wanted = ("dev", "test") if split is None else (split,)
    return [c for s in wanted for c in _interleave(by_split[s], seed)]


def mismatched_cases(cases: list[Case], seed: int = 1) -> list[Case]:
    """Each question asked of a document from another article: the document cannot support it."""
    rng = random.Random(seed)
    out = []
    for c in cases:
        others = [o for o in cases if o.meta["article"] != c.meta["article"]]
        if not others:
            continue
        doc = rng.choice(others)
        out.append(
            Case(
                id=f"{c.id}@{doc.meta['article']}:{doc.meta['window']}",
                dataset="squad-mismatched",
                split=c.split,
                text=doc.text,
                question=c.question,
                answer=c.answer,
                units=doc.units,
                gold=[],
                granularity=c.granularity,
                answerable=False,
                meta={"article": doc.meta["article"], "question_article": c.meta["article"]},
            )
        )
    return out
