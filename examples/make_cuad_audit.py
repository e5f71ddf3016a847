"""Build examples/cuad_audit.csv: an example batch audit over four CUAD contracts.

Each contract gets answers of three kinds, all taken from the CUAD labels so the expected
outcome is known:
- correct: the contract's own labelled answer for the category (a value such as a date or
  a state, or the opening of the labelled clause);
- wrong: the same category's answer from a *different* contract (a plausible but false value);
- not in contract: a category CUAD marks as absent from this contract, asked either with an
  empty answer (the model answers) or with a clause borrowed from another contract.

Usage (from the repository root):
    python examples/make_cuad_audit.py [--cuad ../shared/data/cuad] [--out examples/cuad_audit.csv]
    docqa audit examples/cuad_audit.csv --documents ../shared/data/cuad/pdf --out audit.html
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

# Contracts chosen for being short (6-17 pages), so the example runs in minutes on a CPU.
CONTRACTS = {
    "medalist": "MEDALISTDIVERSIFIEDREIT,INC_05_18_2020-EX-10.1-CONSULTING AGREEMENT",
    "allied": "AlliedEsportsEntertainmentInc_20190815_8-K_EX-10.34_11788308_EX-10.34_"
    "Sponsorship Agreement",
    "imageware": "IMAGEWARESYSTEMSINC_12_20_1999-EX-10.22-MAINTENANCE AGREEMENT",
    "kiromic": "KIROMICBIOPHARMA,INC_04_08_2020-EX-10.28-JOINT VENTURE AGREEMENT",
}

# (contract, CUAD category, kind, donor contract for wrong/borrowed answers)
PLAN = [
    ("medalist", "Governing Law", "correct", None),
    ("medalist", "Non-Compete", "correct", None),
    ("medalist", "Expiration Date", "wrong", "allied"),
    ("medalist", "Audit Rights", "not in contract", None),
    ("allied", "Expiration Date", "correct", None),
    ("allied", "Exclusivity", "correct", None),
    ("allied", "Governing Law", "wrong", "medalist"),
    ("allied", "Insurance", "not in contract", "kiromic"),
    ("imageware", "Notice Period To Terminate Renewal", "correct", None),
    ("imageware", "Minimum Commitment", "correct", None),
    ("imageware", "Effective Date", "wrong", "kiromic"),
    ("imageware", "Governing Law", "not in contract", None),
    ("kiromic", "Governing Law", "correct", None),
    ("kiromic", "Insurance", "correct", None),
    ("kiromic", "Agreement Date", "wrong", "allied"),
    ("kiromic", "Non-Compete", "not in contract", "medalist"),
]

# Plain questions a compliance reviewer would ask, one per CUAD category used above.
QUESTIONS = {
    "Governing Law": "Which law governs this agreement?",
    "Non-Compete": "Is a party barred from competing during or after the agreement?",
    "Expiration Date": "When does the initial term of the agreement end?",
    "Audit Rights": "May either party audit the other party's books and records?",
    "Exclusivity": "Does the agreement contain an exclusivity obligation?",
    "Insurance": "What insurance must the parties maintain?",
    "Notice Period To Terminate Renewal": "How much notice is needed to stop the renewal?",
    "Minimum Commitment": "Is there a minimum charge for on-site interventions?",
    "Effective Date": "On what date does the agreement become effective?",
    "Agreement Date": "On what date was the agreement signed?",
}

# Value categories are answered by CUAD's normalised answer (a date, a place); the rest by
# the labelled clause. Dates are written out so they read like an answer, not a cell.
VALUE_CATEGORIES = {"Governing Law", "Expiration Date", "Effective Date", "Agreement Date"}
MONTHS = "January February March April May June July August September October November December"


def _date(value: str) -> str:
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2})", value.strip())
    if not m:
        return value
    month, day, year = (int(g) for g in m.groups())
    year += 2000 if year < 50 else 1900
    return f"{MONTHS.split()[month - 1]} {day}, {year}"


def _clause_opening(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " ..."


def answer_of(qa: dict, category: str) -> str:
    if category in VALUE_CATEGORIES:
        value = qa["normalized_answer"]
        if category == "Governing Law":
            return f"The laws of {value}."
        return _date(value)
    # The longest labelled span: CUAD sometimes labels a definition before the clause itself.
    return _clause_opening(max((a["text"] for a in qa["answers"]), key=len))


def build(cuad: Path) -> list[dict[str, str]]:
    data = json.loads((cuad / "cuad-v1-derived-qa-part-a.json").read_text(encoding="utf-8"))
    by_title = {
        a["title"]: {q["category"]: q for q in a["paragraphs"][0]["qas"]} for a in data["data"]
    }
    pdfs = {p.stem: p.name for p in (cuad / "pdf").iterdir()}
    rows = []
    for contract, category, kind, donor in PLAN:
        title = CONTRACTS[contract]
        qa = by_title[title][category]
        if kind == "correct":
            assert not qa["is_impossible"], (title, category)
            answer = answer_of(qa, category)
        elif kind == "wrong":
            other = by_title[CONTRACTS[donor]][category]
            answer = answer_of(other, category)
            assert answer != answer_of(qa, category), (title, category)
        else:
            assert qa["is_impossible"], (title, category)
            # Without a donor the model answers; with one, a clause from another contract.
            answer = answer_of(by_title[CONTRACTS[donor]][category], category) if donor else ""
        rows.append(
            {
                "document": pdfs[title],
                "question": QUESTIONS[category],
                "answer": answer,
                "expected": kind,
                "category": category,
            }
        )
    return rows


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuad", type=Path, default=root.parent / "shared" / "data" / "cuad")
    parser.add_argument("--out", type=Path, default=root / "examples" / "cuad_audit.csv")
    args = parser.parse_args()
    rows = build(args.cuad)
    with args.out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
