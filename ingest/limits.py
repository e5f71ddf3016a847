"""Size limits an upload must respect before any parsing work is spent on it."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.errors import TooManyPagesError


@dataclass(frozen=True)
class IngestLimits:
    max_bytes: int = 50 * 1024 * 1024  # 50 MiB, matches docqa Settings.max_upload_mb
    max_pages: int = 2000
    # Wall-clock budget for text extraction; None = no limit. Checked between pages, so a
    # single pathological page can overrun it by that page's time.
    max_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_pages <= 0:
            raise ValueError(f"limits must be positive, got {self}")
        if self.max_seconds is not None and self.max_seconds <= 0:
            raise ValueError(f"max_seconds must be positive or None, got {self.max_seconds}")

    def check_pages(self, name: str, n_pages: int) -> None:
        """Refuse a document with more pages than ``max_pages``, whatever its type."""
        if n_pages > self.max_pages:
            raise TooManyPagesError(
                f"{name} has {n_pages} pages, more than the limit of {self.max_pages}."
            )
