"""Every `DESIGN n.m` a comment or docstring cites names a section of docs/DESIGN.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("ingest", "explain_engine", "core", "backend", "cli", "bench", "tests")
CITATION = re.compile(r"DESIGN (\d+(?:\.\d+)?)")
HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", re.M)


def test_every_cited_design_section_exists() -> None:
    sections = set(HEADING.findall((ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")))
    assert {"1.1", "1.7", "2.4", "3", "4"} <= sections  # the headings parse at all
    cited: dict[str, list[str]] = {}
    files = [
        p
        for folder in SOURCES
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".js", ".html")
    ]
    files.append(ROOT / "README.md")
    for path in files:
        for number in CITATION.findall(path.read_text(encoding="utf-8")):
            cited.setdefault(number, []).append(str(path.relative_to(ROOT)))
    assert cited, "no citations found: the pattern is wrong"
    missing = {n: where for n, where in cited.items() if n not in sections}
    assert not missing, f"cited but not in docs/DESIGN.md: {missing}"
