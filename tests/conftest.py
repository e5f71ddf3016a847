"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# No hub downloads in tests: an unknown model id must fail at once, not after network retries.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
EXAMPLE_TXT = ROOT / "examples" / "employment_contract.txt"
EXAMPLE_PDF = ROOT / "examples" / "employment_contract.pdf"


@pytest.fixture(scope="session")
def explainer():
    """The bundled default model, loaded once for the whole test session (fp32)."""
    from explain_engine import Explainer

    return Explainer(dtype="float32")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA}")
    return SHARED_DATA
