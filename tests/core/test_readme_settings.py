"""README's settings table lists every field of the settings object, with its real default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|", re.MULTILINE)


def _rows() -> dict[str, str]:
    """Variable -> its default cell, from the README's settings table."""
    return {name: default.strip() for name, default in ROW.findall(README.read_text())}


def _variable(name: str) -> str:
    field = Settings.model_fields[name]
    alias = field.validation_alias
    if isinstance(alias, str):
        return alias
    return (Settings.model_config.get("env_prefix") or "") + name.upper()


def _documented_default(value: object) -> str:
    """How a default is written in the table's default cell."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    if isinstance(value, Path):
        home = str(Path.home())
        text = str(value)
        return f"`{'~' + text[len(home) :] if text.startswith(home) else text}`"
    return f"`{value}`"


def test_the_table_parses() -> None:
    assert len(_rows()) >= 10


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_readme_lists_the_setting_with_its_default(name: str) -> None:
    rows = _rows()
    variable = _variable(name)
    assert variable in rows, f"README's settings table has no row for {variable}"
    expected = _documented_default(Settings.model_fields[name].default)
    assert rows[variable].startswith(expected), (variable, rows[variable], expected)


def test_readme_lists_no_setting_that_does_not_exist() -> None:
    known = {_variable(name) for name in Settings.model_fields}
    assert set(_rows()) - known == set()
