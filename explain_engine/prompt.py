"""Build the model input: template(document, question) + answer, with token positions of units.

The document is placed verbatim in the prompt, so a character span of the document maps to
tokens through the fast tokenizer's offset mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from transformers.tokenization_utils_base import PreTrainedTokenizerBase

from explain_engine.errors import InvalidInputError

INSTRUCTION = "Answer the question using only the document. Answer briefly."


@dataclass
class PromptInput:
    """Token ids of prompt + answer and where the document and the answer sit in them."""

    input_ids: torch.Tensor  # (1, L)
    answer_start: int  # index of the first answer token; answer = input_ids[0, answer_start:]
    doc_tokens: tuple[int, int]  # [start, end) token range of the document
    offsets: np.ndarray  # (L, 2) char offsets of each token, relative to the document text
    prompt_length: int  # tokens before the answer (== answer_start)

    @property
    def length(self) -> int:
        return self.input_ids.shape[1]

    @property
    def answer_ids(self) -> torch.Tensor:
        return self.input_ids[0, self.answer_start :]

    def token_ranges(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Token range [ts, te) of each document character span (overlap counts)."""
        d0, d1 = self.doc_tokens
        starts, ends = self.offsets[d0:d1, 0], self.offsets[d0:d1, 1]
        ranges = []
        for s, e in spans:
            ts = int(np.searchsorted(ends, s, side="right"))  # first token ending after s
            te = int(np.searchsorted(starts, e, side="left"))  # first token starting at/after e
            if te <= ts:
                raise InvalidInputError(f"unit span ({s}, {e}) covers no token of the document")
            ranges.append((d0 + ts, d0 + te))
        return ranges

    def document_token_spans(self) -> list[tuple[int, int]]:
        """Character span of every document token (for token granularity)."""
        d0, d1 = self.doc_tokens
        return [(int(s), int(e)) for s, e in self.offsets[d0:d1] if e > s]


def _user_message(document: str, question: str) -> tuple[str, int]:
    head = f"{INSTRUCTION}\n\nDocument:\n"
    return f"{head}{document}\n\nQuestion: {question}", len(head)


def render_prompt(
    tokenizer: PreTrainedTokenizerBase, document: str, question: str
) -> tuple[str, int, bool]:
    """Prompt text, the character offset of the document in it, and whether it has specials."""
    content, doc_in_content = _user_message(document, question)
    if getattr(tokenizer, "chat_template", None):
        rendered = tokenizer.apply_chat_template(
            [{"role": "user", "content": content}], tokenize=False, add_generation_prompt=True
        )
        at = rendered.find(content)
        if at < 0:
            raise InvalidInputError("the chat template does not keep the message text verbatim")
        return rendered, at + doc_in_content, True
    return f"{content}\nAnswer:", doc_in_content, False


def answer_text_for(tokenizer: PreTrainedTokenizerBase, answer: str) -> str:
    # Plain prompts end in "Answer:", so the answer starts after a space.
    return answer if getattr(tokenizer, "chat_template", None) else " " + answer


def build_prompt(
    tokenizer: PreTrainedTokenizerBase, document: str, question: str, answer: str | None
) -> PromptInput:
    rendered, doc_at, templated = render_prompt(tokenizer, document, question)
    enc = tokenizer(rendered, add_special_tokens=not templated, return_offsets_mapping=True)
    ids = list(enc["input_ids"])
    offsets = np.asarray(enc["offset_mapping"], dtype=np.int64).reshape(-1, 2) - doc_at
    ends_in_doc = offsets[:, 1] > 0
    starts_in_doc = offsets[:, 0] < len(document)
    inside = np.nonzero(ends_in_doc & starts_in_doc & (offsets[:, 1] > offsets[:, 0]))[0]
    if len(inside) == 0:
        raise InvalidInputError("the document is empty after tokenisation")
    doc_tokens = (int(inside[0]), int(inside[-1]) + 1)
    prompt_len = len(ids)
    answer_ids: list[int] = []
    if answer is not None:
        answer_ids = tokenizer(answer_text_for(tokenizer, answer), add_special_tokens=False)[
            "input_ids"
        ]
        if not answer_ids:
            raise InvalidInputError("the answer is empty")
    all_ids = ids + list(answer_ids)
    pad = np.full((len(answer_ids), 2), -1, dtype=np.int64)
    return PromptInput(
        input_ids=torch.tensor([all_ids], dtype=torch.long),
        answer_start=prompt_len,
        doc_tokens=doc_tokens,
        offsets=np.concatenate([offsets, pad]),
        prompt_length=prompt_len,
    )
