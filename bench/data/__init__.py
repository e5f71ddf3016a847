"""Evaluation data sets as `Case`s: a document, a question, its answer, units and gold units."""

from bench.data.case import Case

__all__ = ["Case"]
