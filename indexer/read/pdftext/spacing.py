"""Syllables a PDF text layer spaced apart ("tậ p huấ n đ iề u tra viê n"), put back together.

Some PDF writers place every glyph on its own and add advance after precomposed letters (ậ, ấ, Đ…); text
extractors then see a gap inside the syllable and write a space there. The space always follows a letter outside
ASCII, so a split is a *candidate joint*: exactly one space between a piece ending in a non-ASCII letter and a
piece beginning with a letter (or a closing punctuation mark, "Số :").

Joining is decided per document, in two steps, with the syllable test of `indexer.read.legacy.is_syllable`:

1. Evidence: a chain of pieces linked by candidate joints is segmented into groups that are valid syllables
   (dynamic programming: most pieces covered by valid groups, then fewest groups). A group of several pieces
   of which at least one is not a syllable alone ("tậ"+"p", "đ"+"iề"+"u") is evidence of the fault. Two valid
   words are never merged into a non-syllable, so "tập huấn" stays two words.
2. When the evidence reaches `MIN_EVIDENCE` groups and `MIN_SHARE` of the words, the document is spaced apart:
   every multi-piece group is joined, also those whose pieces are words alone ("ngà y" → "ngày", "Ủ Y" → "ỦY"),
   and the space before a closing mark after a non-ASCII letter goes. Otherwise nothing changes.
"""
from __future__ import annotations

import re

from indexer.read.legacy import is_syllable

MIN_EVIDENCE = 3  # groups of a spaced-apart syllable with an invalid piece, in the whole document
MIN_SHARE = 0.02  # … and at least this share of the document's space-separated pieces

_SPACE_RUN = re.compile(r"( +)")
_EDGE_PUNCT = "([{\"'“‘«"
_CLOSING = re.compile(r"[:;,.)\]!?]+")


def _core(piece: str) -> str:
    return piece.lstrip(_EDGE_PUNCT).rstrip(":;,.)]}!?\"'”’»…")


def _ends_non_ascii_letter(piece: str) -> bool:
    return bool(piece) and piece[-1].isalpha() and not piece[-1].isascii()


def _joinable(left: str, right: str) -> bool:
    return _ends_non_ascii_letter(left) and bool(right) and right[0].isalpha()


def _segment(pieces: list[str]) -> list[tuple[int, int]]:
    """Best split of a chain into [start, end) groups: most pieces in valid groups, then fewest groups."""
    n = len(pieces)
    best: list[tuple[int, int, int] | None] = [None] * (n + 1)  # (covered, -groups, start of last group)
    best[0] = (0, 0, 0)
    for end in range(1, n + 1):
        for start in range(max(0, end - 4), end):
            previous = best[start]
            if previous is None:
                continue
            size = end - start
            valid = is_syllable(_core("".join(pieces[start:end])))
            if size > 1 and not valid:
                continue
            score = (previous[0] + (size if valid else 0), previous[1] - 1, start)
            if best[end] is None or score[:2] > best[end][:2]:
                best[end] = score
    groups, end = [], n
    while end > 0:
        start = best[end][2]
        groups.append((start, end))
        end = start
    return groups[::-1]


def _line_groups(line: str):
    """The line as tokens [piece, spaces, piece, …] and the multi-piece groups of its chains (token indices)."""
    tokens = _SPACE_RUN.split(line)
    chain: list[int] = []  # token indices of pieces in the current chain
    found: list[list[int]] = []
    for i in range(0, len(tokens), 2):
        if chain and tokens[i - 1] == " " and _joinable(tokens[chain[-1]], tokens[i]):
            chain.append(i)
            continue
        found.extend(_groups_of(tokens, chain))
        chain = [i]
    found.extend(_groups_of(tokens, chain))
    return tokens, found


def _groups_of(tokens: list[str], chain: list[int]) -> list[list[int]]:
    if len(chain) < 2:
        return []
    pieces = [tokens[i] for i in chain]
    return [chain[s:e] for s, e in _segment(pieces) if e - s > 1]


def spaced_syllable_evidence(pages: list[str]) -> tuple[int, int]:
    """(groups with a piece that is not a syllable alone, space-separated pieces) over the pages."""
    evidence = pieces = 0
    for page in pages:
        for line in page.split("\n"):
            tokens, groups = _line_groups(line)
            pieces += sum(1 for t in tokens[::2] if t)
            evidence += sum(1 for g in groups if any(not is_syllable(_core(tokens[i])) for i in g))
    return evidence, pieces


def rejoin_spaced_syllables(pages: list[str]) -> list[str]:
    """The pages with spaced-apart syllables joined, when the document shows the fault (see module docstring)."""
    evidence, pieces = spaced_syllable_evidence(pages)
    if evidence < MIN_EVIDENCE or evidence < MIN_SHARE * pieces:
        return pages
    return ["\n".join(_rejoin_line(line) for line in page.split("\n")) for page in pages]


def _rejoin_line(line: str) -> str:
    tokens, groups = _line_groups(line)
    for group in groups:
        for i in group[1:]:
            tokens[i - 1] = ""  # the space before a later piece of the group
    out = "".join(tokens)
    # "Số :" / "xã ," — a single space between a non-ASCII letter and a closing mark
    return re.sub(r"(?<=[^\x00-\x7f])(?<=[^\W\d_]) (?=" + _CLOSING.pattern + r"(?:\s|$))", "", out)
