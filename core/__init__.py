"""The core of docqa: settings, the document pipeline, audits and reports (above ingest and
explain_engine, below backend and the command line)."""

__version__ = "0.1.0"
