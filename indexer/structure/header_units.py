"""The header block as logical lines, whatever its layout: Markdown tables whose cells hold wrapped text,
"Số:" and its number on two lines, italic place-and-date lines wrapped in two, dates cut before the year.

Every unit is a `Line` numbered 0, 1, 2 … in reading order (left column before right column in a table); its
start/end are the offsets of the first and last source line it joins, so positions still point into the text.
"""
from __future__ import annotations

import re

from indexer.structure.doclines import Line, is_upper_line

_RULE = re.compile(r"^[\s*_\-–—=.|·•0]*$")
_SEPARATOR_CELL = re.compile(r"^[\s:\-–—]*$")
_NUMBER_ALONE = re.compile(r"^(?:(?:Luật|Nghị\s+quyết|Pháp\s+lệnh|Lệnh)\s+)?(?:Số|SỐ|số)\s*[:.]?$")
_NUMBER_START = re.compile(r"^(?:(?:Luật|Nghị\s+quyết|Pháp\s+lệnh|Lệnh)\s+)?(?:Số|SỐ)\s*[:.]?\s*(?:\d|/|$)")
_MOTTO_START = re.compile(r"^(?:C[ỘO]NG\s+H[OÒ]|Đ[ộo]\w*c\s+l[ậa]p|ĐỘC\s+LẬP|ĐẢNG\s+CỘNG\s+SẢN)")
_DATE_OPEN = re.compile(r"(?:^|[\s,])ngày\b(?!.*\bnăm\s*(?:19|20)\d{2})", re.I)
_DATE_GOES_ON = re.compile(r"^(?:\d|tháng\b|năm\b|[.…_]{2})", re.I)
# Emphasis marks that touch a word ("*Thành phố", "2025*"); "-*-" and "____" rules are not emphasis.
_ITALIC_OPEN = re.compile(r"(?:^|(?<=[\s|(]))[*_]{1,3}(?=[^\W_])")
_ITALIC_CLOSE = re.compile(r"(?<=[^\s*_\-–—])[*_]{1,3}(?=[\s|]|$)")
_BR = re.compile(r"<br\s*/?>", re.I)
_EMPHASIS = re.compile(r"(?<!\w)[*_]{1,3}|[*_]{1,3}(?!\w)")
_MAX_TABLE_LINES = 40


def cell_text(text: str) -> str:
    """A line without Markdown emphasis marks, <br> tags and table pipes at its edges."""
    text = _BR.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    return re.sub(r"\s+", " ", text).strip(" |\t")


def is_motto_line(text: str) -> bool:
    """Quốc hiệu / Tiêu ngữ, even misspelt ("Độqc lập - Tự do - Hạnh phúc") or cut by a column."""
    low = text.lower()
    return bool(_MOTTO_START.match(text.strip())) or ("tự do" in low and "hạnh phúc" in low)


def header_units(lines: list[Line], stop: int) -> list[Line]:
    """Logical lines of lines[:stop]: Markdown table rows are split into cells, and within a cell (or between
    plain lines) the pieces of one value are joined: "Số:" + "12/KH-UBND", "*Thành phố Đà" + "Nẵng, ngày …*",
    "Lâm Đồng, ngày 03 tháng" + "12 năm 2025". Blank lines are dropped.
    """
    units: list[Line] = []
    index = 0
    stop = min(stop, len(lines))
    while index < stop:
        line = lines[index]
        if line.raw.lstrip().startswith("|"):
            end = _table_end(lines, index, stop)
            for cell in _table_cells(lines[index:end]):
                _add_pieces(units, cell, in_cell=True)
            index = end
            continue
        run_end = index
        while run_end < stop and not lines[run_end].raw.lstrip().startswith("|"):
            run_end += 1
        _add_pieces(units, [(ln, ln.raw) for ln in lines[index:run_end] if not ln.blank], in_cell=False)
        index = run_end
    return [Line(i, u.start, u.end, u.raw, u.text) for i, u in enumerate(units)]


def _table_end(lines: list[Line], first: int, stop: int) -> int:
    """One past the last line of the Markdown table starting at `first` (rows may hold line breaks)."""
    index = first
    while index < stop and index - first < _MAX_TABLE_LINES:
        raw = lines[index].raw.strip()
        following = lines[index + 1].raw.strip() if index + 1 < stop else ""
        if raw.endswith("|") and len(raw) > 1 and not following.startswith("|"):
            return index + 1
        index += 1
    return index


def _table_cells(rows: list[Line]) -> list[list[tuple[Line, str]]]:
    """Cells of a Markdown table, column by column: [(source line, piece of text), …] per cell."""
    columns: dict[int, list[list[tuple[Line, str]]]] = {}
    column = -1
    current: list[tuple[Line, str]] = []
    for line in rows:
        raw = _BR.sub("\n", line.raw)
        parts = raw.split("|")
        for position, part in enumerate(parts):
            if position > 0:  # a pipe closes the cell before it
                if column >= 0 and current:
                    columns.setdefault(column, []).append(current)
                current = []
                column += 1
            for piece in part.split("\n"):
                if piece.strip():
                    current.append((line, piece))
        if line.raw.strip().endswith("|"):
            column = -1  # the row is complete (a later line opening with "|" starts the next one)
            current = []
    cells: list[list[tuple[Line, str]]] = []
    for col in sorted(columns):
        for cell in columns[col]:
            if not all(_SEPARATOR_CELL.match(piece) for _, piece in cell):
                cells.append(cell)
    return cells


def _add_pieces(units: list[Line], pieces: list[tuple[Line, str]], in_cell: bool) -> None:
    joined: list[tuple[Line, Line, str, str]] = []  # first line, last line, raw, text
    open_italic = False
    for line, raw in pieces:
        text = cell_text(raw)
        if not text:
            continue
        if joined and _joins(joined[-1][3], text, in_cell, open_italic):
            first, _, old_raw, old_text = joined[-1]
            joined[-1] = (first, line, f"{old_raw} {raw.strip()}", f"{old_text} {text}")
        else:
            joined.append((line, line, raw.strip(), text))
        opened, closed = len(_ITALIC_OPEN.findall(raw)), len(_ITALIC_CLOSE.findall(raw))
        if opened != closed:
            open_italic = opened > closed
    for first, last, raw, text in joined:
        units.append(Line(-1, first.start, last.end, raw, text))


def _joins(previous: str, text: str, in_cell: bool, open_italic: bool) -> bool:
    """Whether `text` continues the value `previous` began."""
    if _NUMBER_ALONE.match(previous):
        return True  # "Số:" / "4521/KH-UBND"
    if _DATE_OPEN.search(previous) and _DATE_GOES_ON.match(text):
        return True  # "…, ngày 03 tháng" / "12 năm 2025"
    if _RULE.match(previous) or _RULE.match(text):
        return False
    if _NUMBER_START.match(text) or is_motto_line(text) or re.match(r"^V/v\b", text, re.I):
        return False
    if re.search(r"(?:VI[ỆE]T\s+NAM|H[ạa]nh\s+ph[úu]c)\s*$", previous, re.I):
        return False  # the motto line is complete
    if open_italic:
        return True  # "*Thành phố Đà" / "Nẵng, ngày 03 tháng 12 năm 2025*"
    if not in_cell:
        return False
    # In a table cell the converter wrapped the text: pieces of the same case belong together.
    return is_upper_line(previous, 1) == is_upper_line(text, 1) and not previous.endswith((":", ";", "."))
