"""Lines of a normalised document with their offsets, plus the small tests the structure parser asks of a line."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Markdown emphasis and heading marks that readers (or authors) leave around a line; they are layout, not words.
_MARKUP_EDGE = re.compile(r"^(?:\s*(?:#{1,6}\s+|\*{1,3}|_{2}))+|(?:\*{1,3}|_{2})+\s*$")
_MARKUP_ANY = re.compile(r"\*{1,3}")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Line:
    """One line: [start, end) in the text (without the newline), its raw text and a cleaned form."""

    index: int
    start: int
    end: int
    raw: str
    text: str  # markdown marks and surrounding whitespace removed

    @property
    def blank(self) -> bool:
        return not self.text


def clean_line(raw: str) -> str:
    """The words of a line without markdown heading/emphasis marks and without edge whitespace."""
    text = raw.strip()
    previous = None
    while previous != text:
        previous = text
        text = _MARKUP_EDGE.sub("", text).strip()
    return _MARKUP_ANY.sub("", text).strip() if text.count("*") >= 2 else text


def split_lines(text: str) -> list[Line]:
    """Every line of the text (split on "\\n" only, so offsets stay exact), blank ones included."""
    lines: list[Line] = []
    start = 0
    for index, raw in enumerate(text.split("\n")):
        end = start + len(raw)
        lines.append(Line(index, start, end, raw, clean_line(raw)))
        start = end + 1
    return lines


def is_upper_line(text: str, min_letters: int = 2) -> bool:
    """True for lines written in capitals (headers, signature titles): nearly every letter is upper case."""
    letters = _LETTER.findall(text)
    if len(letters) < min_letters:
        return False
    upper = sum(1 for ch in letters if ch.isupper())
    return upper >= 0.85 * len(letters)


def markdown_level(raw: str) -> int:
    """The number of leading "#" of a markdown heading line, 0 when it is not one."""
    match = re.match(r"\s*(#{1,6})\s", raw)
    return len(match.group(1)) if match else 0


def is_bold_line(raw: str) -> bool:
    """A line wholly wrapped in **…** (bold paragraph from markdown or a docx reader)."""
    stripped = re.sub(r"^\s*#{1,6}\s+", "", raw).strip()
    return len(stripped) > 4 and stripped.startswith("**") and stripped.endswith("**") and stripped.count("**") == 2
