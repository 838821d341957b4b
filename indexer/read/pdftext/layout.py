"""Page furniture out of PDF text layers, and the lines a paragraph was wrapped into joined again.

Page furniture (`drop_page_furniture`): within the first and last `ZONE` non-empty lines of each page,
- page numbers: "Trang 2/3", "Trang 2", "Page 2 of 3", "- 2 -", and "2/3" or a bare number equal to the page
  number;
- the stamp a digital signature prints ("SAO Y; CÔNG AN TỈNH …; 06/01/2026; 16:42:26; +07:00");
- running headers and footers: a line whose form with digits masked ("Kế hoạch số #/KH-UBND ngày #/#/# …")
  stands in the same zone (top or bottom) of at least two pages and of `MIN_REPEAT_SHARE` of the pages after
  the first. Such a line is removed wherever it repeats in the zone, not on a page where it is printed once.

Wrapped lines (`join_wrapped_lines`): a line ends a paragraph unless all of these hold, in which case the next
line is appended to it after one space:
- it is *full*: at least `FULL_SHARE` of the document's long-line length (the 90th percentile of line lengths),
  so the short lines of headers, titles, table cells and signature blocks stay as they are;
- it does not end a sentence or a list item (. ; : ! ? or "./."), is not mostly capitals and is not the
  "Số: …" line (header lines);
- the next line does not start a heading, a list item or a recipient list: "I.", "1.", "1.2.", "a)", "-", "+",
  "•", "Điều 3.", "Nơi nhận", "V/v", a number alone (a table's row number), and does not begin with two words
  in capitals ("TỈNH NINH BÌNH", "KẾ HOẠCH"; "UBND tỉnh" does continue a sentence).
"""
from __future__ import annotations

import re
from collections import Counter

ZONE = 2  # lines at the top and at the bottom of a page where running headers, footers and numbers stand
MIN_REPEAT_SHARE = 0.4
FULL_SHARE = 0.75
_MIN_LONG_LINE = 40  # characters: a document whose long lines are shorter has no wrapped paragraphs to join

_PAGE_NUMBER = re.compile(
    r"(?:trang|page)\s*\d{1,4}(?:\s*(?:/|trên|of)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]|\d{1,4}\s*/\s*\d{1,4}",
    re.I,
)
_DIGITS = re.compile(r"\d+")
# The visible stamp of a digital signature: "SAO Y; CÔNG AN TỈNH LÂM ĐỒNG; 06/01/2026; 16:42:26; +07:00"
_SIGNATURE_STAMP = re.compile(r";\s*\d{1,2}/\d{1,2}/\d{4};\s*\d{1,2}:\d{2}(?::\d{2})?;\s*[+-]\d{2}:?\d{2}\s*$")
_NUMBER_LINE = re.compile(r"\s*Số\s*[:.]", re.I)  # "Số: 12/KH-UBND    Ninh Bình, ngày …" is a header line
_SENTENCE_END = re.compile(r"(?:[.;:!?…]|\./\.)[\s\"”’)]*$")
_STARTS_BLOCK = re.compile(
    r"""^\s*(?:
        [-–—+•*▪·●○■□►]                                # bullets and dashes
      | [IVXLC]+\s*[.)\-–]                              # I.  II)  IV-
      | \d+(?:\.\d+)*\s*[.)](?!\d)                      # 1.  1.2.  3)
      | \d+\s*$                                         # a row number of a table alone on its line
      | [a-zđ]\s*[)]                                    # a)  đ)
      | (?:Điều|Chương|Mục|Phần|Phụ\s+lục)\s+[\dIVXLC]+ # Điều 3
      | Nơi\s+nhận | Kính\s+gửi | Căn\s+cứ | V/v | Về\s+việc | TM\.| KT\.| Q\.| TL\.| TUQ\.
    )""",
    re.X,
)


def _key(line: str) -> str:
    return " ".join(_DIGITS.sub("#", line).split()).casefold()


def _is_stamp(line: str) -> bool:
    return bool(_SIGNATURE_STAMP.search(line))


def _is_page_number(line: str, number: int) -> bool:
    text = line.strip()
    if not _PAGE_NUMBER.fullmatch(text):
        return text == str(number)
    figures = [int(d) for d in _DIGITS.findall(text)]
    if len(figures) == 2 and figures[0] > figures[1]:
        return False  # "15/11" is a date, not page 15 of 11
    return text[0].isalpha() or text[0] in "-–—" or figures[0] == number  # a bare "2/3" only on page 2


def _zones(lines: list[str]) -> tuple[list[int], list[int]]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return filled[:ZONE], filled[-ZONE:] if len(filled) > ZONE else []


def drop_page_furniture(pages: list[str]) -> list[str]:
    """The pages without page numbers and running headers/footers (see the module docstring); one entry per page."""
    split = [page.split("\n") for page in pages]
    repeated = _repeated_keys(split)
    out = []
    for number, lines in enumerate(split, start=1):
        top, bottom = _zones(lines)
        drop = set()
        for where, indices in (("top", top), ("bottom", bottom)):
            for i in indices:
                line = lines[i]
                if _is_page_number(line, number) or _is_stamp(line) or (where, _key(line)) in repeated:
                    drop.add(i)
        out.append("\n".join(line for i, line in enumerate(lines) if i not in drop))
    return out


def _repeated_keys(split: list[list[str]]) -> set[tuple[str, str]]:
    if len(split) < 2:
        return set()
    seen: Counter = Counter()
    for lines in split:
        top, bottom = _zones(lines)
        keys = {("top", _key(lines[i])) for i in top} | {("bottom", _key(lines[i])) for i in bottom}
        seen.update(key for key in keys if len(key[1].replace("#", "").replace(" ", "")) >= 4)
    needed = max(2, MIN_REPEAT_SHARE * (len(split) - 1))
    return {key for key, count in seen.items() if count >= needed}


def long_line_length(pages: list[str]) -> int:
    """The 90th percentile of the lengths of the document's non-empty lines (characters, stripped)."""
    lengths = sorted(len(line.strip()) for page in pages for line in page.split("\n") if line.strip())
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0


def join_wrapped_lines(pages: list[str]) -> list[str]:
    """The pages with wrapped paragraph lines joined (see the module docstring); one entry per page."""
    long_line = long_line_length(pages)
    if long_line < _MIN_LONG_LINE:
        return list(pages)
    full = FULL_SHARE * long_line
    return [_join_page(page, full) for page in pages]


def continues(line: str, next_line: str, full: float) -> bool:
    """Whether `next_line` continues the paragraph `line` was wrapped from (both as printed, unstripped)."""
    text, following = line.strip(), next_line.strip()
    if not text or not following or len(text) < full:
        return False
    if _SENTENCE_END.search(text) or _mostly_capitals(text) or _NUMBER_LINE.match(text):
        return False
    if _STARTS_BLOCK.match(following):
        return False
    words = following.split()[:2]
    return not (len(words) == 2 and all(_is_capital_word(w) for w in words))  # "TỈNH NINH BÌNH", "KẾ HOẠCH"


def _is_capital_word(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _mostly_capitals(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)


def _join_page(page: str, full: float) -> str:
    out: list[str] = []
    previous = None  # the last printed line, whose length decides whether it was wrapped
    for line in page.split("\n"):
        if out and previous is not None and continues(previous, line, full):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
        previous = line
    return "\n".join(out)
