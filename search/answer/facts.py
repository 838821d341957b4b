"""Fact answers that give the asked value: a date for "ngày nào / khi nào / chậm nhất", a number or percentage for
"bao nhiêu", an agency for "cơ quan nào / ai", a list for "gồm những" — taken from the sentence that holds that kind
of value for the asked event, not from the best-matching slogan.

Sentences here are read across soft line wraps (PDF lines cut mid-sentence), so a quote is a whole sentence and still
an exact substring of the passage. Documents about another round ("hiệp thương lần thứ hai" when the first was asked)
are left out.
"""
from __future__ import annotations

import re

from indexer.duties.agencies import find_agencies
from indexer.text.vntext import key_loose
from search.answer.evidence import text_coverage
from search.query.questions import Question

_DATE = re.compile(r"\b\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}\b|\bngày\s+\d{1,2}\s+tháng\s+\d{1,2}\b|"
                   r"\b\d{1,2}\s*/\s*\d{1,2}\b(?!\s*/)|\b\d{1,2}\s*(?:giờ|h)\b", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?\s*%|\b\d+(?:[.,]\d+)?\b|\b(?:một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)\s+\w+", re.I)
_LIST_MARK = re.compile(r"[:;]|\n\s*(?:[-–+•]|[a-zđ]\)|\d+[.)])")
_SLOGAN = re.compile(r"!\s*$|^\s*(?:\d+\.\s*)?(?:nhiệt liệt|toàn dân|hãy|vì|chào mừng)\b", re.I)
_ORDINAL = re.compile(r"\blan\s+(?:thu\s+)?(nhat|hai|ba|tu|1|2|3|4)\b|\bdot\s+(1|2|3|4|mot|hai|ba)\b")
_ORDINAL_VALUE = {"nhat": 1, "mot": 1, "1": 1, "hai": 2, "2": 2, "ba": 3, "3": 3, "tu": 4, "4": 4}
ON_TOPIC = 0.5  # share of the question's concepts a sentence (with the one before it) must hold to be about the event
_BREAK_AFTER = ".;:!?"
_ITEM_START = re.compile(r"\s*(?:[-–+•*]|\d+(?:\.\d+)*[.)]|[a-zđ]\)|[IVX]+\.)\s")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZĐÀ-Ỹ0-9“\"(-])")


def ordinals(text: str | None) -> set[int]:
    """Rounds named in a text: "lần thứ nhất" → {1}, "hiệp thương lần thứ hai" → {2}, "đợt 3" → {3}."""
    if not text:
        return set()
    return {_ORDINAL_VALUE[m.group(1) or m.group(2)] for m in _ORDINAL.finditer(key_loose(text))}


def other_round(q: Question, title: str | None) -> bool:
    """True when the question asks about one round and the document's title is about another one only."""
    asked, named = ordinals(q.text), ordinals(title)
    return bool(asked and named and not asked & named)


def soft_sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) sentence spans of a passage: a line break ends a sentence only after . ; : ! ? or before a list
    item; other breaks are soft wraps of one sentence."""
    cuts = [0]
    for index, char in enumerate(text):
        if char != "\n":
            continue
        before = text[:index].rstrip()
        if not before or before[-1] in _BREAK_AFTER or _ITEM_START.match(text, index + 1) or \
                text[index + 1:index + 2] == "\n":
            cuts.append(index + 1)
    cuts.append(len(text))
    spans = []
    for start, end in zip(cuts, cuts[1:]):
        piece_start = start
        for gap in _SENTENCE_END.finditer(text, start, end):
            spans.append((piece_start, gap.start()))
            piece_start = gap.end()
        spans.append((piece_start, end))
    return [(s, e) for s, e in (_strip(text, s, e) for s, e in spans) if e - s >= 8]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _asked_agencies(q: Question) -> set[str]:
    return {key_loose(q.text[s:e]) for s, e in find_agencies(q.text)}


def has_value(sentence: str, q: Question) -> int:
    """2 when the sentence holds the asked kind of value in the asked role, 1 when it holds that kind, else 0."""
    if q.wants == "date":
        return 1 if _DATE.search(sentence) else 0
    if q.wants == "number":
        return 1 if _NUMBER.search(re.sub(r"\b(?:19|20)\d{2}\b|\b\d+/[\w-]+", " ", sentence)) else 0
    if q.wants == "list":
        return 1 if _LIST_MARK.search(sentence) or sentence.count(",") >= 2 else 0
    if q.wants == "agency":
        asked = _asked_agencies(q)
        best = 0
        for start, end in find_agencies(sentence):
            if key_loose(sentence[start:end]) in asked:
                continue
            before = key_loose(sentence[max(0, start - 20):start])
            role = q.role and re.search(rf"\b{re.escape(q.role)}\s*$", before)
            best = max(best, 2 if role else 1)
        return best
    return 0


def pick_sentence(text: str, q: Question, heading: str = "") -> tuple[tuple[int, int], tuple]:
    """The best sentence of a passage for the question and its score (higher is better): on the asked event (the
    concepts held by the headings above it, the sentence before and itself), then the asked kind of value, slogans
    last."""
    spans = soft_sentences(text) or [(0, len(text))]
    best = None
    for index, (start, end) in enumerate(spans):
        sentence = text[start:end]
        own = text_coverage(q.concepts, sentence)[1] if q.concepts else 0.0
        # The passage's first sentence is often its heading ("1. Hội nghị hiệp thương lần thứ nhất.").
        context = "\n".join((heading, text[spans[0][0]:spans[0][1]] if index > 1 else "",
                              text[spans[index - 1][0]:end] if index else sentence))
        near = text_coverage(q.concepts, context)[1] if q.concepts else 0.0
        wrong_round = bool(ordinals(sentence)) and other_round(q, sentence)
        score = (not wrong_round, not _SLOGAN.search(sentence), near >= ON_TOPIC, has_value(sentence, q), round(near, 1),
                 own)
        if best is None or score > best[1]:
            best = ((start, end), score)
    return best
