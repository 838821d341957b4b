"""The outline of a document body: A./I./1./1.1./a) items, Phần/Chương/Mục/Điều, markdown and bold headings."""
from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.structure.doclines import Line, is_bold_line, is_upper_line, markdown_level
from indexer.model import Section

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN = re.compile(r"^M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
# A./B. headings follow the Vietnamese alphabet or the Latin one; both sequences are accepted.
_LETTERS_VI = "ABCDĐEGHIKLMNOPQRSTUVXY"
_LETTERS_EN = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALPHA_VI = "abcdđeghiklmnopqrstuvxy"
_ALPHA_EN = "abcdefghijklmnopqrstuvwxyz"
_HEADING_MAX = 90

_PART = re.compile(r"^(?:Phần|PHẦN)\s+(?P<label>thứ\s+\w+|THỨ\s+\w+|[IVXL]+|\d{1,2})\b\s*[.:–-]?\s*(?P<rest>.*)$")
_CHAPTER = re.compile(r"^(?:Chương|CHƯƠNG)\s+(?P<label>[IVXL]+|\d{1,3})\b\s*[.:–-]?\s*(?P<rest>.*)$")
_LEGAL_SECTION = re.compile(r"^(?:Mục|MỤC)\s+(?P<label>[IVXL]+|\d{1,2})\b\s*[.:–-]?\s*(?P<rest>.*)$")
_ARTICLE = re.compile(r"^(?:Điều|ĐIỀU)\s+(?P<label>\d{1,3}[a-zđ]?)\s*(?:[.:]\s*|$)(?P<rest>.*)$")
_LETTER = re.compile(r"^(?P<label>[A-ZĐ])\s*[.)]\s*(?P<rest>\S.*)$")
_ROMAN_ITEM = re.compile(r"^(?P<label>[IVXLC]{1,6})\s*[./)]\s*(?P<rest>\S.*)$")
_DECIMAL = re.compile(r"^(?P<label>\d{1,2}(?:\.\d{1,2}){1,3})\.?(?!\d)\s*(?P<rest>\S.*)$")
_ARABIC = re.compile(r"^(?P<label>\d{1,2})\s*\.(?!\d)\s*(?P<rest>\S.*)$")
_ARABIC_PAREN = re.compile(r"^(?P<label>\d{1,2})\s*\)\s*(?P<rest>\S.*)$")
_TABLE_ROW = re.compile(r"\d[\d.,]*\s+\d[\d.,]*\s*$")
_ALPHA = re.compile(r"^(?P<label>[a-zđ])\s*\)\s*(?P<rest>\S.*)$")

# Lines that are set in bold but head no section: the enacting formula of a decision or resolution, the national
# motto atop the forms annexed to a plan, and the name of the enacting authority printed above the Căn cứ lines.
_FORMULA = re.compile(r"^(?:QUYẾT\s+ĐỊNH|QUYẾT\s+NGHỊ|NGHỊ\s+QUYẾT|KẾ\s+HOẠCH|CHỈ\s+THỊ|HƯỚNG\s+DẪN|THÔNG\s+TƯ"
                      r"|CỘNG\s+H[OÒ][AÀ]\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM)\s*:?\s*$")
_AUTHORITY_LINE = re.compile(
    r"^(?:BAN|[ỦU][YỶ]\s+BAN|UBND|HỘI\s+ĐỒNG|CHỦ\s+TỊCH|BỘ\s+TRƯỞNG|THỦ\s+TƯỚNG|GIÁM\s+ĐỐC|SỞ|BỘ|CHÍNH\s+PHỦ"
    r"|QUỐC\s+HỘI|TỔNG|CỤC|TRƯỞNG|BAN\s+CHẤP\s+HÀNH|THƯỜNG\s+TRỰC)\s"
)

# Conventional nesting of numbering styles, outermost first (NĐ 30/2020 Phụ lục I and common practice).
_RANK = {kind: rank for rank, kind in enumerate((
    "part", "chapter", "legal_section", "article", "letter", "roman", "arabic", "decimal2", "decimal3", "decimal4",
    "arabic_paren", "alpha"))}

# Kinds whose items carry no ordinal (their order is not checked).
_UNORDERED = {"part", "chapter", "legal_section", "article", "heading"}


@dataclass(frozen=True)
class Marker:
    """What starts an outline item: its kind ("roman", "arabic", "article", ...), label and ordinal."""

    kind: str
    label: str
    ordinal: int | None
    heading: str


@dataclass
class _Frame:
    kind: str
    ordinal: int | None
    component: str
    label: str
    section: int  # index into the sections list
    children: int = 0  # unnumbered headings seen under this frame (for their path component)


def roman_value(text: str) -> int | None:
    if not text or not _ROMAN.match(text):
        return None
    total = 0
    for ch, nxt in zip(text, text[1:] + " "):
        value = _ROMAN_VALUES[ch]
        total += -value if nxt != " " and _ROMAN_VALUES.get(nxt, 0) > value else value
    return total


def _letter_ordinal(label: str, alphabets: tuple[str, str]) -> int | None:
    for alphabet in alphabets:
        if label in alphabet:
            return alphabet.index(label) + 1
    return None


def _next_ok(previous: int | None, label: str, kind: str, ordinal: int | None) -> bool:
    """Is this item the next sibling of `previous` (a numbering slip of one or two is tolerated)?"""
    if ordinal is None or previous is None:
        return True
    if kind in ("letter", "alpha"):
        alphabets = (_LETTERS_VI, _LETTERS_EN) if kind == "letter" else (_ALPHA_VI, _ALPHA_EN)
        return any(label in a and 0 < a.index(label) + 1 - previous <= 2 for a in alphabets) or ordinal == 1
    return 0 < ordinal - previous <= 2 or ordinal == 1


def _short_heading(marker_text: str, rest: str) -> str:
    """Display heading: the marker and the item's title, cut at its first ":" or sentence end."""
    rest = rest.strip()
    cut = re.search(r":|\.(?:\s|$)|;", rest)
    title = rest[: cut.start()] if cut and cut.start() > 0 else rest
    if len(title) > _HEADING_MAX:
        title = title[:_HEADING_MAX].rsplit(" ", 1)[0] + "…"
    return f"{marker_text} {title}".strip()


def read_marker(line: Line, frames: list[_Frame]) -> Marker | None:
    """The outline marker opening this line, read in the context of the items already open."""
    text = line.text
    if not text or text[0] in "-–—+•*":
        return None
    for kind, pattern, prefix in (
        ("part", _PART, "Phần"), ("chapter", _CHAPTER, "Chương"),
        ("legal_section", _LEGAL_SECTION, "Mục"), ("article", _ARTICLE, "Điều"),
    ):
        match = pattern.match(text)
        if match:
            label = match.group("label")
            mark = f"{prefix} {label}." if match.group("rest").strip() else f"{prefix} {label}"
            return Marker(kind, label, None, _short_heading(mark, match.group("rest")))
    match = _ROMAN_ITEM.match(text)
    letter = _LETTER.match(text)
    if match and roman_value(match.group("label")) and not (letter and _prefer_letter(match.group("label"), frames)):
        label = match.group("label")
        return Marker("roman", label, roman_value(label), _short_heading(f"{label}.", match.group("rest")))
    if letter:
        label = letter.group("label")
        return Marker("letter", label, _letter_ordinal(label, (_LETTERS_VI, _LETTERS_EN)),
                      _short_heading(f"{label}.", letter.group("rest")))
    for kind, pattern, close in (("decimal", _DECIMAL, "."), ("arabic", _ARABIC, "."), ("arabic_paren", _ARABIC_PAREN, ")")):
        match = pattern.match(text)
        if match:
            if _TABLE_ROW.search(match.group("rest")):
                return None  # "1.1 Đất ở hiện trạng 61.157,2 23,71": a table row, not an item
            label = match.group("label")
            ordinal = int(label.rsplit(".", 1)[-1])
            if kind == "decimal":
                kind = f"decimal{label.count('.') + 1}"  # 1.1 and 1.1.1 are different levels
            return Marker(kind, label, ordinal, _short_heading(f"{label}{close}", match.group("rest")))
    match = _ALPHA.match(text)
    if match:
        label = match.group("label")
        return Marker("alpha", label, _letter_ordinal(label, (_ALPHA_VI, _ALPHA_EN)),
                      _short_heading(f"{label})", match.group("rest")))
    level = markdown_level(line.raw)
    if level and len(text) <= 150:
        return Marker(f"heading{level}", "", None, _short_heading("", text))
    if is_bold_line(line.raw) and len(text) <= 160 and not text.endswith((".", ";")) \
            and len(re.findall(r"[^\W\d_]", text)) >= 4 and not _TABLE_ROW.search(text):
        return Marker("heading-bold", "", None, _short_heading("", text))
    return None


def _prefer_letter(label: str, frames: list[_Frame]) -> bool:
    """"C." after "B." is a letter, "V." after "IV." is a roman numeral; decided by what is open."""
    if len(label) != 1:
        return False
    letter_frame = next((f for f in reversed(frames) if f.kind == "letter"), None)
    roman_frame = next((f for f in reversed(frames) if f.kind == "roman"), None)
    expects_letter = letter_frame is not None and _next_ok(letter_frame.ordinal, label, "letter",
                                                          _letter_ordinal(label, (_LETTERS_VI, _LETTERS_EN)))
    expects_roman = roman_frame is not None and _next_ok(roman_frame.ordinal, label, "roman", roman_value(label))
    if expects_letter and not (expects_roman and roman_value(label) == (roman_frame.ordinal or 0) + 1):
        return True
    return label not in "IVX" and not expects_roman


def parse_outline(lines: list[Line], regions: list[tuple[int, int, str]]) -> list[Section]:
    """Outline items of each region (first line index, end line index, path prefix), in document order."""
    sections: list[Section] = []
    for first, last, prefix in regions:
        sections.extend(_region_outline(lines, first, last, prefix))
    return sections


def _region_outline(lines: list[Line], first: int, last: int, prefix: str) -> list[Section]:
    items: list[tuple[Line, Marker, list[tuple[str, str]], int]] = []  # line, marker, (kind, component)s, level
    frames: list[_Frame] = []
    root = _Frame("root", None, "", "", -1)
    numbered_seen = False
    for line in lines[first:last]:
        marker = read_marker(line, frames)
        if marker is None:
            continue
        if marker.kind.startswith("heading"):
            if _FORMULA.match(line.text) or (not numbered_seen and _AUTHORITY_LINE.match(line.text)
                                                 and is_upper_line(line.text)):
                continue  # "QUYẾT ĐỊNH:" / "BAN THƯỜNG TRỰC ỦY BAN …" introduce the articles, they head nothing
            if marker.kind == "heading-bold" and line.index > first and is_bold_line(lines[line.index - 1].raw):
                continue  # the second line of a bold title printed over several lines
            if marker.kind == "heading-bold":
                marker = _with_bold_continuation(lines, line.index, last, marker)
        else:
            numbered_seen = True
        if marker.kind in ("part", "chapter", "legal_section") and marker.heading.count(" ") < 2:
            marker = _with_title_below(lines, line.index, last, marker)
        position = next((i for i in range(len(frames) - 1, -1, -1) if frames[i].kind == marker.kind), None)
        if position is not None:
            if marker.kind not in _UNORDERED and not _next_ok(frames[position].ordinal, marker.label, marker.kind,
                                                              marker.ordinal) and not _repeated_heading(
                                                                  line, marker, frames[position]):
                continue
            del frames[position:]
        elif marker.ordinal is not None and marker.ordinal > 2:
            continue  # a "5." with no "1." open is a number starting a sentence, not an item
        else:
            _close_deeper(frames, marker.kind)
        if marker.kind.startswith("decimal") and not _decimal_parent_open(marker, frames if position is None else frames[:position]):
            continue
        parent = frames[-1] if frames else root
        component = _component(marker, parent)
        frames.append(_Frame(marker.kind, marker.ordinal, component, marker.label, len(items)))
        items.append((line, marker, [(f.kind, f.component) for f in frames], len(frames)))
    return _to_sections(lines, items, first, last, prefix)


def _close_deeper(frames: list[_Frame], kind: str) -> None:
    """"I." after "A. … 1." closes the "1." list: when an enclosing level of higher rank is open, items of a
    lower conventional rank (A. > I. > 1. > 1.1. > a)) cannot contain the new one."""
    rank = _RANK.get(kind)
    if rank is None or not any(_RANK.get(f.kind, 99) < rank for f in frames):
        return
    while frames and _RANK.get(frames[-1].kind, -1) > rank:
        frames.pop()


def _repeated_heading(line: Line, marker: Marker, sibling: _Frame) -> bool:
    """A second "II." printed as a heading (capitals or bold) is the author's numbering slip, still a section."""
    return marker.ordinal == sibling.ordinal and (is_upper_line(marker.heading) or is_bold_line(line.raw))


def _decimal_parent_open(marker: Marker, frames: list[_Frame]) -> bool:
    """"2.3" belongs under an open "2." (or "2.3.1" under "2.3"); otherwise it is a figure in running text."""
    prefix = marker.label.rsplit(".", 1)[0]
    depth = marker.label.count(".") + 1
    parent_kinds = ("arabic", "arabic_paren") if depth == 2 else (f"decimal{depth - 1}",)
    parent = next((f for f in reversed(frames) if f.kind in parent_kinds), None)
    return parent is not None and parent.label == prefix


def _with_bold_continuation(lines: list[Line], index: int, last: int, marker: Marker) -> Marker:
    parts = [lines[index].text]
    for line in lines[index + 1: min(last, index + 4)]:
        if not is_bold_line(line.raw) or any(p.match(line.text) for p in (_ARABIC, _ROMAN_ITEM, _LETTER, _ARTICLE)):
            break
        parts.append(line.text)
    return Marker(marker.kind, marker.label, marker.ordinal, _short_heading("", " ".join(parts)))


def _with_title_below(lines: list[Line], index: int, last: int, marker: Marker) -> Marker:
    """"Chương I" / "QUY ĐỊNH CHUNG": legal texts print the chapter title on the next line."""
    for line in lines[index + 1: min(last, index + 3)]:
        if line.blank:
            continue
        if is_upper_line(line.text) and len(line.text) <= 150:
            return Marker(marker.kind, marker.label, marker.ordinal, f"{marker.heading.rstrip('.')}. {_short_heading('', line.text)}")
        break
    return marker


def _component(marker: Marker, parent: _Frame) -> str:
    if marker.kind == "article":
        return f"Đ{marker.label}"
    if marker.kind == "chapter":
        return f"Ch{marker.label}"
    if marker.kind == "legal_section":
        return f"M{marker.label}"
    if marker.kind == "part":
        label = marker.label.split()[-1] if " " in marker.label else marker.label
        return f"P{label}"
    if marker.kind.startswith("decimal"):
        return marker.label.rsplit(".", 1)[-1]
    if marker.label:
        return marker.label
    parent.children += 1
    return f"H{parent.children}"


def _to_sections(lines, items, first: int, last: int, prefix: str) -> list[Section]:
    region_end = lines[last - 1].end if last > first else lines[first].start
    ends = [region_end] * len(items)
    open_items: list[int] = []  # items whose end is not known yet, by increasing level
    for i, (line, _, _, level) in enumerate(items):
        while open_items and items[open_items[-1]][3] >= level:
            ends[open_items.pop()] = line.start
        open_items.append(i)
    sections: list[Section] = []
    for (line, marker, components, level), end in zip(items, ends):
        # Article numbers run through the whole law, so "Đ5.1" needs no chapter in front of it.
        article = max((k for k, (kind, _) in enumerate(components) if kind == "article"), default=None)
        parts = [component for _, component in (components[article:] if article is not None else components)]
        path = ".".join(([prefix] if prefix else []) + parts)
        end = max(end, line.end)
        sections.append(Section(path=path, heading=marker.heading, level=level + (1 if prefix else 0),
                                start=line.start, end=end, body_start=min(line.end + 1, end)))
    return sections
