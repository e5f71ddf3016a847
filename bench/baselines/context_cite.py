"""ContextCite (Cohen-Wang et al. 2024) through the `context-cite` package.

The package's `ContextCiter` runs with our model and tokenizer: a partitioner whose sources are
the case's units, the engine's own prompt wording as the template, and the given answer placed
in its cache so it does not generate one. It ablates random halves of the sources
(``num_ablations`` forward passes, 64 by default) and fits a LASSO surrogate of the answer's
log-odds; the surrogate's weights are the scores.
"""

from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass

import numpy as np

from bench.baselines.base import Attribution
from bench.data.case import Case
from explain_engine import Explainer
from explain_engine.prompt import INSTRUCTION


def _citer_classes():
    # Importing the package tries to download nltk data; offline that fails harmlessly but loudly.
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        from context_cite import ContextCiter
        from context_cite.context_partitioner import BaseContextPartitioner
    return ContextCiter, BaseContextPartitioner


def _partitioner(case: Case):
    _, base = _citer_classes()

    class UnitPartitioner(base):
        """Sources = the case's units; ablating a source deletes its text."""

        def __init__(self, context: str, units: list[tuple[int, int]]) -> None:
            super().__init__(context)
            self.units = units

        @property
        def num_sources(self) -> int:
            return len(self.units)

        def split_context(self) -> None:
            pass

        def get_source(self, index: int) -> str:
            s, e = self.units[index]
            return self.context[s:e]

        def get_context(self, mask=None) -> str:
            if mask is None:
                return self.context
            out, pos = [], 0
            for keep, (s, e) in zip(mask, self.units, strict=True):
                out.append(self.context[pos:s])
                if keep:
                    out.append(self.context[s:e])
                pos = e
            out.append(self.context[pos:])
            return "".join(out)

    return UnitPartitioner(case.text, case.units)


@dataclass
class ContextCite:
    num_ablations: int = 64
    name: str = "context_cite"

    def settings(self) -> dict:
        return {"num_ablations": self.num_ablations}

    def attribute(self, explainer: Explainer, case: Case) -> Attribution:
        citer_cls, _ = _citer_classes()
        logging.getLogger("ContextCite").setLevel(logging.WARNING)
        template = INSTRUCTION + "\n\nDocument:\n{context}\n\nQuestion: {query}"
        citer = citer_cls(
            explainer.model,
            explainer.tokenizer,
            case.text,
            case.question,
            num_ablations=self.num_ablations,
            prompt_template=template,
            partitioner=_partitioner(case),
        )
        _, prompt = citer._get_prompt_ids(return_prompt=True)
        citer._cache["output"] = prompt + case.answer  # explain the given answer, as AtMan does
        scores = citer.get_attributions(verbose=False)
        return Attribution(
            scores=[float(x) for x in np.asarray(scores)], forward_passes=self.num_ablations
        )
