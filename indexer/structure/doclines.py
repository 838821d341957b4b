"""Lines of a normalised document with their offsets, plus the small tests the structure parser asks of a line."""
from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.model import Mark

# Markdown emphasis and heading marks that readers (or authors) leave around a line; they are layout, not words.
_MARKUP_EDGE = re.compile(r"^(?:\s*(?:#{1,6}\s+|\*{1,3}|_{2}))+|(?:\*{1,3}|_{2})+\s*$")
_MARKUP_ANY = re.compile(r"\*{1,3}")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Line:
    """One line: [start, end) in the text (without the newline), its raw text and a cleaned form.

    `raw` is the line as written, markdown included; when the markup was taken out into marks, `raw` carries it
    again ("**…**", "## …") while text[start:end] holds only the words.
    """

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


def split_lines(text: str, marks: Sequence[Mark] = ()) -> list[Line]:
    """Every line of the text (split on "\\n" only, so offsets stay exact), blank ones included.

    With marks (markup the normaliser took out of the text), a line wholly in bold gets the raw "**…**" and a
    heading line its "#" prefix back, so that the parser reads the layout as if the markup were still there.
    """
    lines: list[Line] = []
    start = 0
    pieces = text.split("\n")
    bold, heading = _line_layout(pieces, marks) if marks else (set(), {})
    for index, raw in enumerate(pieces):
        end = start + len(raw)
        layout = raw
        if index in bold or index in heading:
            words = raw.strip()
            layout = f"**{words}**" if index in bold else words
            layout = f"{'#' * heading[index]} {layout}" if index in heading else layout
        lines.append(Line(index, start, end, layout, clean_line(raw)))
        start = end + 1
    return lines


def _line_layout(pieces: list[str], marks: Sequence[Mark]) -> tuple[set[int], dict[int, int]]:
    """Indexes of the lines a bold mark covers whole, and heading levels by line index."""
    starts: list[int] = []
    offset = 0
    for piece in pieces:
        starts.append(offset)
        offset += len(piece) + 1
    bold: set[int] = set()
    heading: dict[int, int] = {}
    for mark in marks:
        if mark.kind not in ("bold", "heading") or mark.end <= mark.start:
            continue
        first = bisect.bisect_right(starts, mark.start) - 1
        last = bisect.bisect_right(starts, mark.end - 1) - 1
        for index in range(max(first, 0), last + 1):
            piece = pieces[index]
            words_start = starts[index] + len(piece) - len(piece.lstrip())
            words_end = starts[index] + len(piece.rstrip())
            # A blank line, or one the mark covers only in part ("**1.** Tăng cường …"), keeps its plain form.
            if words_end <= words_start or mark.start > words_start or mark.end < words_end:
                continue
            if mark.kind == "bold":
                bold.add(index)
            else:
                heading[index] = max(mark.level, 1)
    return bold, heading


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
