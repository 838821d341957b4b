"""Capitals of the ".Vn…H" fonts in TCVN3 text read without font names (plain text, PDF text layers).

TCVN3 has no code points for toned capitals: the ".VnTimeH" font draws its lowercase code points as capitals, so
a title typed in it ("KÕ HO¹CH") converts to "Kế HOạCH". A word whose ASCII letters are capitals (two or more)
but whose toned letters came out lowercase can only be such a capital word; a word with one capital or none
("Sè", "Tæ", "Vô") is ambiguous and follows its neighbours in the line.
"""
from __future__ import annotations

import re

# Words: runs of letters and the TCVN3 bytes (cp1252 characters) that stand for letters.
_WORD = re.compile(r"[^\s!-@\[-`{-~\u2013\u2014\u2018\u2019\u201c\u201d\u2026]+")


def recase_h_capitals(original: str, converted: str, converted_lower: frozenset[str]) -> str:
    """Uppercase the words of `converted` that were typed in a ".Vn…H" font, judged from `original`.

    `original` is the TCVN3 text before conversion and `converted` its character-for-character conversion (same
    length; otherwise `converted` is returned as it is); `converted_lower` holds the characters of `original`
    that convert to lowercase toned letters. Works line by line: a word is certainly a capital word when it has
    no lowercase ASCII letter, at least two uppercase ASCII letters and a converted lowercase letter ("HO¹CH");
    an ambiguous word (no lowercase ASCII letter, fewer than two capitals, a converted lowercase letter: "KÕ",
    "Vô") is uppercased when the word next to it in the same line is a capital word.
    """
    if len(original) != len(converted) or not (set(original) & converted_lower):
        return converted
    out = list(converted)
    start = 0
    for line in original.split("\n"):
        _recase_line(line, start, out, converted_lower)
        start += len(line) + 1
    return "".join(out)


def _recase_line(line: str, offset: int, out: list[str], converted_lower: frozenset[str]) -> None:
    words = [m for m in _WORD.finditer(line) if any(ch.isalpha() or ch in converted_lower for ch in m.group())]
    kinds = []
    for match in words:
        word = match.group()
        has_converted = any(ch in converted_lower for ch in word)
        lower_ascii = any("a" <= ch <= "z" for ch in word)
        upper_ascii = sum("A" <= ch <= "Z" for ch in word)
        if not has_converted or lower_ascii:
            kinds.append("fixed")
        elif upper_ascii >= 2:
            kinds.append("caps")
        else:
            kinds.append("ambiguous")
    if "caps" not in kinds:
        return
    # Ambiguous words next to a capital word become capital words themselves, in both directions.
    for order in (range(len(kinds)), range(len(kinds) - 1, -1, -1)):
        previous = None
        for k in order:
            if kinds[k] == "ambiguous" and previous == "caps":
                kinds[k] = "caps"
            previous = kinds[k]
    for match, kind in zip(words, kinds):
        if kind == "caps":
            a, b = offset + match.start(), offset + match.end()
            upper = "".join(out[a:b]).upper()
            if len(upper) == b - a:
                out[a:b] = upper
