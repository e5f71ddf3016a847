"""HotpotQA (distractor setting): the ten context paragraphs as one document.

Gold = the supporting-fact sentences (sentence granularity) or the paragraphs that hold them
(paragraph granularity); two or more gold units per question, so mean average precision counts.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.data.case import Case

DEFAULT_FILE = "hotpotqa/hotpot-dev-distractor-first53.json"


def load_cases(
    path: Path, granularity: str = "sentence", split: str | None = None, dev_every: int = 4
) -> list[Case]:
    out = []
    for n, rec in enumerate(json.loads(Path(path).read_text())):
        sp = "dev" if n % dev_every == 0 else "test"
        if split and sp != split:
            continue
        facts = {(t, i) for t, i in rec["supporting_facts"]}
        parts, units, gold, pos = [], [], [], 0
        for title, sentences in rec["context"]:
            head = f"{title}: "
            para_start = pos
            pos += len(head)
            body = ""
            para_gold = False
            for i, s in enumerate(sentences):
                if not s.strip():
                    body += s
                    pos += len(s)
                    continue
                lead = len(s) - len(s.lstrip())
                tail = len(s.rstrip())
                if granularity == "sentence":
                    if (title, i) in facts:
                        gold.append(len(units))
                    units.append((pos + lead, pos + tail))
                para_gold |= (title, i) in facts
                body += s
                pos += len(s)
            if granularity == "paragraph":
                if para_gold:
                    gold.append(len(units))
                units.append((para_start, pos))
            parts.append(head + body)
            pos += 2  # the blank line between paragraphs
        text = "\n\n".join(parts)
        out.append(
            Case(
                id=rec["_id"],
                dataset="hotpotqa",
                split=sp,
                text=text,
                question=rec["question"],
                answer=rec["answer"],
                units=units,
                gold=gold,
                granularity=granularity,
                meta={"type": rec.get("type")},
            )
        )
    return out
