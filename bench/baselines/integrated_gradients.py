"""Integrated gradients from an all-zero document: the template and question stay as they are,
the document tokens' embeddings are scaled from 0 to 1 in ``steps`` midpoint steps."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from bench.baselines.base import Attribution
from bench.baselines.input_x_gradient import answer_logp_gradient
from bench.baselines.prompt_tokens import case_prompt, sum_over_units
from bench.data.case import Case
from explain_engine import Explainer


@dataclass
class IntegratedGradients:
    steps: int = 16
    batch: int = 4  # interpolation points per backward pass
    name: str = "integrated_gradients"

    def settings(self) -> dict:
        return {"steps": self.steps}

    def attribute(self, explainer: Explainer, case: Case) -> Attribution:
        prompt = case_prompt(explainer, case)
        ids = prompt.input_ids.to(explainer.model.device)
        emb = explainer.model.get_input_embeddings()(ids).detach()  # (1, L, h)
        d0, d1 = prompt.doc_tokens
        doc = torch.zeros(emb.shape[1], 1, dtype=emb.dtype, device=emb.device)
        doc[d0:d1] = 1.0
        alphas = (torch.arange(self.steps, dtype=emb.dtype) + 0.5) / self.steps
        total = torch.zeros_like(emb[0])
        for chunk in alphas.split(self.batch):
            scale = 1 - doc + doc * chunk.to(emb.device)[:, None, None]  # (b, L, 1)
            grad = answer_logp_gradient(explainer, case, emb * scale, prompt)
            total += grad.sum(0)
        token = (emb[0] * total / self.steps).sum(-1).float().cpu()
        ranges = prompt.token_ranges(case.units)
        return Attribution(
            scores=sum_over_units(token, ranges),
            forward_passes=self.steps,
            backward_passes=self.steps,
        )
