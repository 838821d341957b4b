"""Multi-word terms as units when deciding what a document is about.

A question's topic words that stand next to each other ("thành lập hội đồng", "an toàn, vệ sinh lao động") are one
term in the trích yếu too: "an toàn" must be written as such, not "an" from "công an" and "toàn" from "toàn tỉnh".
And a term inside a longer term of another sense is not that term: "hội đồng" in "Hội đồng nhân dân" (a named body),
"hội" (an association) in "xã hội", "hội nghị" or "Quốc hội". The longer terms are listed in GUARDS; a question that
itself says the longer term ("Hội đồng nhân dân") matches it as usual.
"""
from __future__ import annotations

import re

from indexer.text.vntext import key_loose
from search.answer.evidence import words_of
from search.query.questions import Concept, Question, agency_key

# Longer terms whose first or last words are a shorter term of another sense (loose keys).
GUARDS = tuple(tuple(term.split()) for term in (
    "hoi dong nhan dan", "hoi dong bau cu", "hoi dong thi dua", "uy ban nhan dan", "xa hoi", "hoi nghi", "hoi thao",
    "quoc hoi", "hoi nhap", "co hoi", "hoi dong", "cong an", "an ninh", "toan dien", "toan quoc", "toan tinh",
    "hoat dong", "dong chi", "lao dong thuong binh",
))


def topic_units(q: Question) -> tuple[Concept, ...]:
    """The question's topic concepts with the one-word ones written next to each other in the question joined in
    pairs, left to right, as most Vietnamese words have two syllables ("thành lập hội đồng" → "thành lập", "hội
    đồng"); agencies, codes and translated terms stay as they are."""
    units: list[Concept] = []
    loose = key_loose(q.text)
    end = -1
    for concept in q.concepts:
        single = len(concept.alternatives) == 1 and " " not in concept.alternatives[0] and not concept.required
        at = _find_word(loose, concept.alternatives[0], end) if single else -1
        if units and single and at >= 0 and end >= 0 and loose[end:at] == " " and _mergeable(units[-1]) \
                and " " not in units[-1].alternatives[0]:
            last = units[-1]
            units[-1] = Concept(f"{last.label} {concept.label}", (f"{last.alternatives[0]} {concept.alternatives[0]}",),
                                last.required)
        else:
            units.append(concept)
        end = at + len(concept.alternatives[0]) if at >= 0 else -1
    return tuple(units)


def _mergeable(concept: Concept) -> bool:
    return len(concept.alternatives) == 1 and not concept.required


def _find_word(loose: str, word: str, after: int) -> int:
    match = re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])").search(loose, max(after, 0))
    return match.start() if match else -1


def units_coverage(units: tuple[Concept, ...], text: str, question: str) -> tuple[bool, float]:
    """(every required unit present, share of units present) in `text`; an occurrence inside a longer GUARDS term
    that the question does not say does not count."""
    if not units:
        return True, 1.0
    sequence = words_of(text)
    asked = f" {agency_key(question)} "  # abbreviations spelled out: "HĐND" says "hội đồng nhân dân"
    guards = [g for g in GUARDS if f" {' '.join(g)} " not in asked]
    present = [any(_occurs(sequence, tuple(alt.split()), guards) for alt in unit.alternatives) for unit in units]
    return all(p for u, p in zip(units, present) if u.required), sum(present) / len(present)


def _occurs(sequence: tuple[str, ...], words: tuple[str, ...], guards: list[tuple[str, ...]]) -> bool:
    n = len(words)
    if not n:
        return False
    for i in range(len(sequence) - n + 1):
        if sequence[i:i + n] == words and not _inside_guard(sequence, i, i + n, guards):
            return True
    return False


def _inside_guard(sequence: tuple[str, ...], start: int, end: int, guards: list[tuple[str, ...]]) -> bool:
    """True when sequence[start:end] lies inside a longer occurrence of a guard term."""
    for guard in guards:
        g = len(guard)
        if g <= end - start:
            continue
        for at in range(max(0, end - g), start + 1):
            if sequence[at:at + g] == guard:
                return True
    return False
