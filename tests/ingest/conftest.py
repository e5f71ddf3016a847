"""Fixtures for the ingestion tests: the shared CUAD data and small PDFs built with fpdf2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CUAD_DIR = DATA_DIR / "cuad"


@pytest.fixture(scope="session")
def cuad_dir() -> Path:
    if not (CUAD_DIR / "pdf").is_dir():
        pytest.skip(f"CUAD data not found at {CUAD_DIR.resolve()} (see ../shared/data/README.md)")
    return CUAD_DIR


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write
