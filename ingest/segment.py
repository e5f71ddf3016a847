"""Split text into units by character offsets: paragraph chunks, sentences, words.

Every function returns ``(start, end)`` spans into the text it was given, so callers can map
units back to the document exactly. Spans never include leading/trailing whitespace.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A sentence may end at . ! ? (optionally followed by a closing quote/bracket) before whitespace
# and an upper-case letter, digit, quote or bracket; a lower-case word after "e.g." therefore
# never starts a sentence. Candidates are then vetted by _ends_sentence.
_SENTENCE_END = re.compile(r"""(?<=[.!?])(["'”’)\]]?)\s+(?=["'“‘(\[]?[A-Z0-9])""")
# What a sentence cannot consist of alone: a clause number or list marker ("2.", "2.1.",
# "(a)", "iv.", "Section 4.").
_ENUMERATOR_ONLY = re.compile(
    r"""^(?:\(?\d{1,3}(?:\.\d{1,3})*\.?\)?|\(?[a-zA-Z]\)|[a-zA-Z]\.|\(?[ivxlcdmIVXLCDM]{1,6}\)
        |[IVXLCDMivxlcdm]{1,6}\.|(?:section|article|clause|schedule|exhibit)\s+[\dA-Z.]+)$""",
    re.IGNORECASE | re.VERBOSE,
)
# Abbreviations after which a sentence never ends ("No. 5", "Sec. 2", "Mr. Lee", "e.g. Section").
_ABBREVIATIONS = frozenset(
    """no nos sec secs art arts para paras cl clause sch mr mrs ms messrs dr prof st vs v cf
    e.g i.e fig ex exh approx dept ref vol ch p pp jan feb mar apr jun jul aug sep sept oct
    nov dec u.s u.k u.s.a n.a jr sr attn viz""".split()
)
# Company suffixes end a sentence only when a typical sentence opener follows
# ("... by ABC Inc. The parties agree" vs "ABC Inc. Board").
_COMPANY_SUFFIXES = frozenset(
    "inc ltd co corp llc l.l.c plc lp l.p llp s.a n.v b.v pty bros".split()
)
_OPENERS = frozenset(
    """the this that these those each such in if any all notwithstanding whereas now it its
    he she they we you our a an upon for on as after before during unless except subject
    pursuant there nothing either neither both when where no however accordingly""".split()
)
_WORD = re.compile(r"\S+")


def _strip(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def paragraph_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Blank-line separated paragraphs of ``text[start:end]``."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    pos = start
    for m in _PARAGRAPH_BREAK.finditer(text, start, end):
        if (s := _strip(text, pos, m.start())) is not None:
            spans.append(s)
        pos = m.end()
    if (s := _strip(text, pos, end)) is not None:
        spans.append(s)
    return spans


def _ends_sentence(text: str, start: int, stop: int, nxt: int) -> bool:
    """Is the candidate boundary ``text[stop:nxt]`` a real end of the sentence opened at start?"""
    closing = "\"'”’)] \t\n"
    if stop - start <= 40 and _ENUMERATOR_ONLY.match(text[start:stop].rstrip(closing)):
        return False  # "2." of "2. Start Date and Term." is the clause number, not a sentence
    # Only the last word matters (a long run of rejected candidates must stay linear).
    before = text[max(start, stop - 80) : stop].rstrip(closing)
    last = before.rsplit(maxsplit=1)[-1].lstrip("(\"'“‘[").lower() if before else ""
    if not last.endswith("."):
        return True  # ! or ?
    word = last[:-1]
    if word in _ABBREVIATIONS:
        return False
    if word in _COMPANY_SUFFIXES:
        following = re.match(r"[\"'“‘(\[]?([A-Za-z]+)", text[nxt : nxt + 40])
        return bool(following) and following.group(1).lower() in _OPENERS
    return True


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of ``text[start:end]``; paragraph breaks always end a sentence.

    A clause number stays with its clause ("2. Start Date and Term." is one sentence) and
    abbreviations such as "No.", "Sec.", "e.g." or "Inc." do not end a sentence.
    """
    spans: list[Span] = []
    for p_start, p_end in paragraph_spans(text, start, end):
        pos = p_start
        for m in _SENTENCE_END.finditer(text, p_start, p_end):
            stop = m.start() + len(m.group(1))  # keep a closing quote or bracket
            if not _ends_sentence(text, pos, stop, m.end()):
                continue
            if (s := _strip(text, pos, stop)) is not None:
                spans.append(s)
            pos = m.end()
        if (s := _strip(text, pos, p_end)) is not None:
            spans.append(s)
    return spans


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Whitespace-separated words of ``text[start:end]`` (punctuation stays attached)."""
    end = len(text) if end is None else end
    return [m.span() for m in _WORD.finditer(text, start, end)]


_HEADING_MAX_CHARS = 100
# A paragraph ending like this is a sentence, not a heading.
_SENTENCE_PUNCTUATION = re.compile(r"""[.!?;:,]["'”’)\]]*$""")


def _attach_headings(text: str, paragraphs: list[Span]) -> list[Span]:
    """Merge each heading-like paragraph (short, no closing punctuation) into the next one."""
    out: list[Span] = []
    pending: int | None = None  # start of the headings waiting for their paragraph
    for s, e in paragraphs:
        start = s if pending is None else pending
        if e - s <= _HEADING_MAX_CHARS and not _SENTENCE_PUNCTUATION.search(text[s:e]):
            pending = start
            continue
        out.append((start, e))
        pending = None
    if pending is not None:  # trailing headings have nothing to attach to
        out.append((pending, paragraphs[-1][1]))
    return out


def _splitter(chunk_size: int):  # type: ignore[no-untyped-def]
    # Imported here: langchain-core is slow to import and only oversize paragraphs need it.
    from ingest.splitter import splitter

    return splitter(chunk_size)


def chunk_spans(text: str, target: int = 50) -> list[Span]:
    """About ``target`` chunks on paragraph boundaries.

    Paragraphs are kept whole where the document has no more than ``target`` of them; small
    neighbours are merged when there are more; a paragraph far longer than the average chunk is
    split on sentence boundaries (langchain's recursive splitter), so no chunk dominates. A
    heading ("ARTICLE XI", "EMPLOYMENT AGREEMENT") goes with the paragraph after it: alone it
    is no evidence for anything and costs the engine a forward pass.
    """
    paragraphs = _attach_headings(text, paragraph_spans(text))
    if not paragraphs:
        return []
    total = sum(e - s for s, e in paragraphs)
    budget = max(total / max(target, 1), 1.0)
    pieces: list[Span] = []
    for s, e in paragraphs:
        if e - s > max(budget * 3, 1200):
            for doc in _splitter(max(int(budget * 2), 200)).create_documents([text[s:e]]):
                i = s + doc.metadata["start_index"]
                if (sp := _strip(text, i, i + len(doc.page_content))) is not None:
                    pieces.append(sp)
        else:
            pieces.append((s, e))
    if len(pieces) <= target:
        return pieces
    # Cut the document into ``target`` equal stretches of text and merge the pieces whose
    # middle falls in the same stretch: neighbours only, so chunks stay in reading order, and
    # never more than ``target`` chunks (a greedy fill up to an average size overshoots it).
    first, length = pieces[0][0], pieces[-1][1] - pieces[0][0]
    merged: list[Span] = []
    current = -1
    for s, e in pieces:
        bucket = min(target - 1, int(((s + e) / 2 - first) / length * target))
        if merged and bucket == current:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
            current = bucket
    return merged


_TERMINAL = re.compile(r"""[.!?]["'”’)\]]?$""")


def complete_prefix(text: str) -> str:
    """``text`` cut back to its last complete sentence, for text that stopped mid-way (a model's
    answer at its token limit); with no complete sentence, to its last whole word.

    A sentence is complete when it ends at . ! or ? (a closing quote or bracket may follow) and
    is not an abbreviation such as "No." (the rules of ``sentence_spans``).
    """
    spans = sentence_spans(text)
    for s, e in reversed(spans):
        if _TERMINAL.search(text[s:e]) and (
            e < len(text.rstrip()) or _ends_sentence(text, s, e, len(text))
        ):
            return text[:e]
    words = word_spans(text)
    # The last word may be cut mid-way; keep it only when it is the only one.
    return text[: words[-2][1]] if len(words) > 1 else text.strip()
