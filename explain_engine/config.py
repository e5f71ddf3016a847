"""Method settings of an explanation, with their defaults."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from explain_engine.errors import InvalidInputError

MODES = ("log_additive", "multiplicative")
# Valid ranges, checked here and by the API schemas built on them (core/explanation_settings.py).
FACTOR_MIN, FACTOR_MAX = 0.0, 1.0  # control factor c in [FACTOR_MIN, FACTOR_MAX)
KAPPA_MIN, KAPPA_MAX = 0.0, 1.0  # kappa in (KAPPA_MIN, KAPPA_MAX]

# Suppression scopes (DESIGN 1.7): in which query rows the attention to a unit is suppressed.
FULL = "full"  # every row after the unit: exact AtMan
ANSWER_SIDE = "answer_side"  # only the rows after the document (question and answer)
SUPPRESSION_SCOPES = (FULL, ANSWER_SIDE)
# The explanation's scope option adds the two-stage path: screen every unit answer-side, then
# re-score the verify_k best with the full scope.
TWO_STAGE = "two_stage"
SCOPES = (*SUPPRESSION_SCOPES, TWO_STAGE)
VERIFY_K_MIN, VERIFY_K_MAX = 1, 64  # units re-scored with the full scope, in [MIN, MAX]
# Prompt tokens the document may take. On CPU a full-scope explanation of 2,048 tokens takes
# about a minute with the bundled model, so that is the default there; an accelerator
# explains the model's whole context.
CPU_CONTEXT_BUDGET = 2048
CONTEXT_BUDGET_MIN, CONTEXT_BUDGET_MAX = 64, 1_048_576

# Control factor c = how much of a suppressed token's attention survives (0 = masked out).
# log_additive: c = 0 put the gold SQuAD paragraph first for 87% of questions on a prototype
# (DESIGN 1.2). multiplicative: the paper's suppression factor 0.9, i.e. c = 1 - 0.9.
DEFAULT_FACTOR = {"log_additive": 0.0, "multiplicative": 0.1}


@dataclass(frozen=True)
class AtmanConfig:
    mode: str = "log_additive"  # "log_additive" (SDPA bias) or "multiplicative" (paper Eq. 4)
    factor: float | None = None  # control factor c in [0, 1); None = DEFAULT_FACTOR[mode]
    kappa: float | None = None  # correlated suppression threshold; None = off
    scope: str = FULL  # one of SCOPES (DESIGN 1.7)
    # two_stage: units re-scored with the full scope; 3 = the evidence a result shows
    # (core/pipeline.py MAX_EVIDENCE), so shown evidence is always exact AtMan.
    verify_k: int = 3
    # Smallest best-unit score (nats of answer cross-entropy) for an answer to count as
    # supported by the document. `docqa bench quality` chose 0.247 on dev (SQuAD, SQuAD asked
    # of other articles, CUAD answerable/unanswerable): the lowest threshold whose "not
    # supported" calls were right >= 90% of the time; held-out test: precision 0.85, recall 0.76.
    supported_threshold: float = 0.25
    # Working memory of the perturbation batches (KV copies, activations). None = the size of
    # the logits a plain forward pass holds at the same length, so an explanation peaks near
    # a forward pass (a fixed 1 GiB budget measured 1.46x a forward pass at 709 tokens).
    memory_budget_mb: int | None = None
    max_batch_rows: int = 16
    # A batch restarts all rows at its smallest unit start; allow this much extra work over
    # the ideal sum(L - s_u) before starting a new batch (DESIGN 1.4).
    max_waste: float = 0.15
    # Prompt tokens the document may take; longer documents are narrowed by retrieval.
    # None = by device: CPU_CONTEXT_BUDGET on CPU, the model's whole context elsewhere.
    context_budget_tokens: int | None = None
    target_units: int = 50  # paragraph chunks per explanation (paper appendix A.6)
    max_new_tokens: int = 64  # generated answers

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InvalidInputError(f"unknown mode {self.mode!r}; valid modes: {', '.join(MODES)}")
        if self.factor is not None and not FACTOR_MIN <= self.factor < FACTOR_MAX:
            raise InvalidInputError(
                f"factor must be in [{FACTOR_MIN:g}, {FACTOR_MAX:g}), got {self.factor}"
            )
        if self.kappa is not None and not KAPPA_MIN < self.kappa <= KAPPA_MAX:
            raise InvalidInputError(
                f"kappa must be in ({KAPPA_MIN:g}, {KAPPA_MAX:g}], got {self.kappa}"
            )

        if self.scope not in SCOPES:
            raise InvalidInputError(
                f"unknown scope {self.scope!r}; valid scopes: {', '.join(SCOPES)}"
            )
        budget = self.context_budget_tokens
        if budget is not None and not CONTEXT_BUDGET_MIN <= budget <= CONTEXT_BUDGET_MAX:
            raise InvalidInputError(
                f"context budget must be in [{CONTEXT_BUDGET_MIN}, {CONTEXT_BUDGET_MAX}] "
                f"tokens, got {budget}"
            )
        if not VERIFY_K_MIN <= self.verify_k <= VERIFY_K_MAX:
            raise InvalidInputError(
                f"verify_k must be in [{VERIFY_K_MIN}, {VERIFY_K_MAX}], got {self.verify_k}"
            )

    @property
    def control_factor(self) -> float:
        return DEFAULT_FACTOR[self.mode] if self.factor is None else self.factor

    def with_overrides(self, **overrides: object) -> AtmanConfig:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_dict(self) -> dict:
        return asdict(self)
