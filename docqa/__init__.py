"""docqa: evidence highlighting for document Q&A (CLI and settings)."""

__version__ = "0.1.0"
