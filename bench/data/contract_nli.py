"""ContractNLI (Koreeda & Manning 2021) NDAs as claims to check: the audit-verdict dataset.

Each (NDA, hypothesis) label becomes a case: question "What does this agreement say about
<topic>?", answer = the hypothesis (the kind of paraphrased claim an auditor checks), units = the
product's own paragraph chunks of the NDA, gold = the chunks overlapping the experts' evidence
spans. ``meta["label"]`` is the verdict the experts gave (Entailment -> supported, Contradiction
-> contradicted, NotMentioned -> not in the document). Documents are split: every
``dev_every``-th NDA is dev, the rest test.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.data.case import Case
from explain_engine.verdict import CONTRADICTED, NOT_IN_DOCUMENT, SUPPORTED
from ingest.segment import chunk_spans

DEFAULT_FILE = "contract_nli/dev.json"
VERDICT_OF = {
    "Entailment": SUPPORTED,
    "Contradiction": CONTRADICTED,
    "NotMentioned": NOT_IN_DOCUMENT,
}


def load_cases(path: Path, split: str | None = None, dev_every: int = 4) -> list[Case]:
    """Every label of every NDA in ``split`` (None: both, dev first), in a fixed order."""
    data = json.loads(Path(path).read_text())
    labels = data["labels"]
    by_split: dict[str, list[Case]] = {"dev": [], "test": []}
    for n, doc in enumerate(data["documents"]):
        sp = "dev" if n % dev_every == 0 else "test"
        text = doc["text"]
        chunks = chunk_spans(text)
        for key, ann in sorted(doc["annotation_sets"][0]["annotations"].items()):
            evidence = [tuple(doc["spans"][i]) for i in ann["spans"]]
            gold = [
                j for j, (s, e) in enumerate(chunks) if any(a < e and s < b for a, b in evidence)
            ]
            label = VERDICT_OF[ann["choice"]]
            by_split[sp].append(
                Case(
                    id=f"{doc['id']}:{key}",
                    dataset="contract-nli",
                    split=sp,
                    text=text,
                    question=(
                        "What does this agreement say about "
                        f"{labels[key]['short_description'].lower()}?"
                    ),
                    answer=labels[key]["hypothesis"],
                    units=chunks,
                    gold=gold,
                    answerable=label != NOT_IN_DOCUMENT,
                    meta={"label": label, "document": doc["id"], "hypothesis": key},
                )
            )
    wanted = ("dev", "test") if split is None else (split,)
    return [c for s in wanted for c in by_split[s]]
