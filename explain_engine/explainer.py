"""`Explainer`: the long-lived model plus the per-request explanation flow (DESIGN 2.2)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch

from explain_engine import units as unit_splitters
from explain_engine.atman import ScoreMatrix, atman_scores, suppression_factors
from explain_engine.attention import ATMAN
from explain_engine.config import CPU_CONTEXT_BUDGET, FULL, TWO_STAGE, AtmanConfig
from explain_engine.errors import ExplainError, InvalidInputError, check_deadline
from explain_engine.model_loading import LoadedModel, load_model
from explain_engine.prompt import PromptInput, build_prompt
from explain_engine.result import Explanation, GeneratedAnswer, UnitScore
from explain_engine.retrieval import select_chunks
from explain_engine.two_stage import ranking_scores, two_stage_scores
from ingest.segment import chunk_spans, complete_prefix

Span = tuple[int, int]


@dataclass
class _Window:
    """The text the model reads: the whole document, or chosen chunks joined by blank lines."""

    text: str
    segments: list[tuple[int, int, int]]  # (doc_start, doc_end, window_start)

    def to_window(self, span: Span) -> Span | None:
        for s, e, w in self.segments:
            if s <= span[0] and span[1] <= e:
                return (w + span[0] - s, w + span[1] - s)
        return None  # the span is outside the explained chunks

    def to_document(self, span: Span) -> Span:
        for s, e, w in self.segments:
            if w <= span[0] < w + (e - s):
                return (s + span[0] - w, min(e, s + span[1] - w))
        raise ValueError(f"window span {span} maps to no chunk")


class Explainer:
    """Loads a causal LM once; ``explain`` can then be called for any number of requests."""

    def __init__(
        self,
        model: str | None = None,
        *,
        device: str | None = None,
        dtype: str | torch.dtype = "auto",
        config: AtmanConfig | None = None,
        cache_dir: Path | None = None,
        loaded: LoadedModel | None = None,
    ) -> None:
        self.loaded = loaded or load_model(model, device=device, dtype=dtype, cache_dir=cache_dir)
        self.loaded.model.set_attn_implementation(ATMAN)
        self.config = config or AtmanConfig()

    @property
    def model(self):
        return self.loaded.model

    @property
    def tokenizer(self):
        return self.loaded.tokenizer

    @property
    def model_name(self) -> str:
        return self.loaded.name

    @property
    def max_context(self) -> int:
        cfg = self.model.config.get_text_config(decoder=True)
        return int(
            getattr(cfg, "max_position_embeddings", None) or getattr(cfg, "n_positions", 2048)
        )

    @property
    def context_budget(self) -> int:
        """Prompt tokens the document may take (AtmanConfig.context_budget_tokens)."""
        if self.config.context_budget_tokens is not None:
            return self.config.context_budget_tokens
        if self.model.device.type == "cpu":
            return min(CPU_CONTEXT_BUDGET, self.max_context)
        return self.max_context

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # -- generation -------------------------------------------------------------------------
    @torch.inference_mode()
    def generate(
        self,
        text: str,
        question: str,
        max_new_tokens: int | None = None,
        *,
        deadline: float | None = None,
    ) -> GeneratedAnswer:
        """Greedy answer of the model to ``question`` about ``text``; past ``deadline``
        (``time.monotonic()``) it raises ``TimeLimitError`` rather than return a cut answer.
        An answer cut by the token limit is trimmed to its last full sentence (or whole word)."""
        check_deadline(deadline)
        # generate() stops itself between tokens once max_time has passed.
        max_time = None if deadline is None else max(0.0, deadline - time.monotonic())
        prompt = build_prompt(self.tokenizer, text, question, None)
        ids = prompt.input_ids.to(self.model.device)
        stop = [self.tokenizer.eos_token_id]
        end_turn = self.tokenizer.convert_tokens_to_ids("<|im_end|>")
        if isinstance(end_turn, int) and end_turn != self.tokenizer.unk_token_id:
            stop.append(end_turn)
        limit = max_new_tokens or self.config.max_new_tokens
        out = self.model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=limit,
            do_sample=False,
            eos_token_id=[t for t in stop if t is not None],
            pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            max_time=max_time,
        )
        check_deadline(deadline)
        new_ids = out[0, ids.shape[1] :]
        text = self.tokenizer.decode(new_ids, skip_special_tokens=True).strip()
        cut = len(new_ids) >= limit and int(new_ids[-1]) not in stop
        if not cut:
            return GeneratedAnswer(text, trimmed=False)
        return GeneratedAnswer(complete_prefix(text), trimmed=True)

    # -- explanation ------------------------------------------------------------------------
    def explain(
        self,
        text: str,
        question: str,
        answer: str | None = None,
        units: list[Span] | None = None,
        granularity: str = "paragraph",
        *,
        unit_label: str | None = None,
        context_budget: int | None = None,
        mode: str | None = None,
        factor: float | None = None,
        kappa: float | None = None,
        scope: str | None = None,
        verify_k: int | None = None,
        progress: bool = False,
        deadline: float | None = None,
    ) -> Explanation:
        """Score every unit of ``text`` for ``answer`` (generated when None) to ``question``.

        ``units``: caller-given character spans instead of ``granularity``'s splitter;
        ``unit_label``: how the result names them (default "spans"). ``context_budget``: prompt
        tokens the document may take before it is narrowed (default: ``context_budget``). ``mode``,
        ``factor``, ``kappa``, ``scope``, ``verify_k`` override the config for this call.
        ``deadline``: a ``time.monotonic()`` value; past it the work stops between forward
        passes (or generated tokens) with ``TimeLimitError`` (code "timeout").
        """
        t0 = time.perf_counter()
        answer = _check_request(text, question, answer, granularity)
        cfg = self.config.with_overrides(
            mode=mode, factor=factor, kappa=kappa, scope=scope, verify_k=verify_k
        )
        given = unit_splitters.check_spans(text, units) if units is not None else None
        budget = self.context_budget if context_budget is None else context_budget

        # The steps of DESIGN 1.1: what the model reads (narrowed, 1.5), the answer, the prompt,
        # the units, one score per unit (1.2-1.4, in the call's scope, 1.7), the result.
        window, explained = self._window(text, question, answer, given, cfg, budget)
        answer, source, trimmed = self._answer(window, question, answer, deadline)
        prompt = self._prompt(window, question, answer)
        pairs = self._units(text, window, prompt, given, granularity, cfg)
        matrix = self._scores(
            prompt, prompt.token_ranges([w for _, w in pairs]), cfg, progress, deadline
        )
        label = unit_label or ("spans" if given is not None else granularity)
        result = self._result(
            question, (answer, source, trimmed), prompt, pairs, matrix, cfg, label, explained, t0
        )
        result.stats["context_budget"] = budget
        return result

    def _window(
        self,
        text: str,
        question: str,
        answer: str | None,
        given: list[Span] | None,
        cfg: AtmanConfig,
        budget_tokens: int,
    ) -> tuple[_Window, list[Span] | None]:
        """The document, or the chunks retrieval ranks first when it exceeds the budget."""
        reserve = (
            self.count_tokens(question)
            + (self.count_tokens(answer) if answer else cfg.max_new_tokens)
            + 96
        )
        budget = min(budget_tokens, self.max_context - reserve)
        if budget <= 0:
            raise InvalidInputError("the question and answer alone exceed the model's context")
        if self.count_tokens(text) <= budget:
            return _Window(text, [(0, len(text), 0)]), None
        # Caller-given units are narrowed as they are, so none straddles a cut; otherwise
        # paragraph chunks (sentences and words never cross them).
        chunks = sorted(given) if given else chunk_spans(text, target=cfg.target_units)
        query = f"{question} {answer or ''}"
        spans = [chunks[i] for i in select_chunks(text, chunks, query, self.count_tokens, budget)]
        joined, inner = unit_splitters.join_spans(text, spans)
        segments = [(s, e, w) for (s, e), (w, _) in zip(spans, inner, strict=True)]
        return _Window(joined, segments), spans

    def _answer(
        self, window: _Window, question: str, answer: str | None, deadline: float | None
    ) -> tuple[str, str, bool]:
        """The answer to explain, where it came from ("given" or "generated") and whether the
        token limit cut it (then it was trimmed to its last full sentence)."""
        if answer is not None:
            return answer, "given", False
        generated = self.generate(window.text, question, deadline=deadline)
        if not generated.text:
            raise ExplainError("the model generated an empty answer; give one with answer=")
        return generated.text, "generated", generated.trimmed

    def _prompt(self, window: _Window, question: str, answer: str) -> PromptInput:
        prompt = build_prompt(self.tokenizer, window.text, question, answer)
        if prompt.length > self.max_context:
            raise InvalidInputError(
                f"prompt of {prompt.length} tokens exceeds the model's context "
                f"of {self.max_context}"
            )
        return prompt

    def _units(
        self,
        text: str,
        window: _Window,
        prompt: PromptInput,
        given: list[Span] | None,
        granularity: str,
        cfg: AtmanConfig,
    ) -> list[tuple[Span, Span]]:
        """(document span, window span) of every unit inside the explained window."""
        if given is not None:
            doc_spans = given
        elif granularity == unit_splitters.TOKEN:
            doc_spans = [window.to_document(s) for s in prompt.document_token_spans()]
        else:
            doc_spans = unit_splitters.split(text, granularity, cfg.target_units)
        pairs = [(d, w) for d in doc_spans if (w := window.to_window(d)) is not None]
        if not pairs:
            raise InvalidInputError(
                "none of the units lies inside the explained part of the document"
            )
        return pairs

    def _scores(
        self,
        prompt: PromptInput,
        unit_tokens: list[Span],
        cfg: AtmanConfig,
        progress: bool,
        deadline: float | None,
    ) -> ScoreMatrix:
        """Suppress each unit (DESIGN 1.2, 1.3) and measure the answer's CE (1.4, 1.7)."""
        embeddings = self.model.get_input_embeddings().weight if cfg.kappa is not None else None
        factors = suppression_factors(
            prompt, unit_tokens, cfg.control_factor, cfg.kappa, embeddings
        )
        if cfg.scope == TWO_STAGE:
            return two_stage_scores(self.model, prompt, factors, cfg, progress, deadline)
        return atman_scores(self.model, prompt, factors, cfg, progress, deadline, scope=cfg.scope)

    def _result(
        self,
        question: str,
        origin: tuple[str, str, bool],
        prompt: PromptInput,
        pairs: list[tuple[Span, Span]],
        matrix: ScoreMatrix,
        cfg: AtmanConfig,
        label: str,
        explained: list[Span] | None,
        t0: float,
    ) -> Explanation:
        answer, source, trimmed = origin
        scores = ranking_scores(matrix)
        exact = _exact_units(matrix, cfg.scope)
        unit_scores = [
            UnitScore(
                index=i,
                start=d[0],
                end=d[1],
                score=float(scores[i]),
                token_scores=[float(x) for x in matrix.per_token[i]],
                verified=i in exact,
            )
            for i, (d, _) in enumerate(pairs)
        ]
        method = {
            "name": "atman",
            "mode": cfg.mode,
            "factor": cfg.control_factor,
            "kappa": cfg.kappa,
            "granularity": label,
            "scope": cfg.scope,
        }
        if cfg.scope == TWO_STAGE:
            method["verify_k"] = cfg.verify_k
        return Explanation(
            question=question,
            answer=answer,
            answer_source=source,
            answer_trimmed=trimmed,
            answer_tokens=self.tokenizer.convert_ids_to_tokens(prompt.answer_ids.tolist()),
            units=unit_scores,
            supported=bool(max(scores) >= cfg.supported_threshold),
            threshold=cfg.supported_threshold,
            model=self.model_name,
            method=method,
            forward_passes=matrix.forward_passes,
            seconds=time.perf_counter() - t0,
            explained_spans=explained,
            base_ce=float(matrix.base_ce.mean()),
            stats={
                "batches": matrix.batches,
                "token_passes": matrix.token_passes,
                "sequence_length": prompt.length,
                "answer_tokens": len(prompt.answer_ids),
                "document_end": prompt.doc_tokens[1],
            },
        )


def _check_request(text: str, question: str, answer: str | None, granularity: str) -> str | None:
    """Refuse an empty document or question and an unknown granularity; returns the answer
    (None for an empty one: the model then answers)."""
    if not text or not text.strip():
        raise InvalidInputError("the document has no text")
    if not question or not question.strip():
        raise InvalidInputError("the question is empty")
    unit_splitters.check_granularity(granularity)
    return answer if answer is not None and answer.strip() else None


def _exact_units(matrix: ScoreMatrix, scope: str) -> set[int]:
    """Units scored with the full scope: all (full), none (answer-side), the verified ones."""
    if matrix.verified is not None:
        return set(matrix.verified)
    return set(range(matrix.per_token.shape[0])) if scope == FULL else set()
