"""The header of an administrative document: issuer lines, số ký hiệu, place and date, type name and trích yếu."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from indexer.structure.doclines import Line, is_upper_line
from indexer.structure.header_dates import DATE_LINE, PLACE_ONLY, PREAMBLE, date_year, iso_date, place_from, place_of
from indexer.structure.header_units import header_units, is_motto_line
from indexer.structure.references import NUMBER_LINE, OCR_NUMBER_LINE, normalize_number, ocr_number
from indexer.text.vntext import key_loose

# How far into a document the header may sit: PDF text layers sometimes put the header columns after the
# first paragraphs of page 1 (ninhbinh 196.pdf), so this is a count of non-blank lines, not "the top".
HEADER_WINDOW = 60

_DASH = r"\s*[-–—]\s*"
MOTTO = re.compile(
    r"C[ỘO]NG\s+H(?:ÒA|OÀ|OA)\s+X[ÃA]\s+H[ỘO]I\s+CH[ỦU]\s+NGH[ĨI]A\s+VI[ỆE]T\s+NAM"
    rf"|Đ[ộo]c\s+l[ậa]p{_DASH}T[ựu]\s+do{_DASH}H[ạa]nh\s+ph[úu]c"
    r"|ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM",
    re.I,
)
_RULE = re.compile(r"^[\s*_\-–—=.|·•]*$")

# Type names as printed in the header (upper case) → canonical names. Longer names first.
TYPE_NAMES = [
    ("THÔNG TƯ LIÊN TỊCH", "Thông tư liên tịch"), ("NGHỊ QUYẾT LIÊN TỊCH", "Nghị quyết liên tịch"),
    ("KẾ HOẠCH", "Kế hoạch"), ("QUYẾT ĐỊNH", "Quyết định"), ("CHỈ THỊ", "Chỉ thị"), ("HƯỚNG DẪN", "Hướng dẫn"),
    ("NGHỊ QUYẾT", "Nghị quyết"), ("BÁO CÁO", "Báo cáo"), ("THÔNG BÁO", "Thông báo"), ("NGHỊ ĐỊNH", "Nghị định"),
    ("THÔNG TƯ", "Thông tư"), ("TỜ TRÌNH", "Tờ trình"), ("CHƯƠNG TRÌNH", "Chương trình"), ("QUY CHẾ", "Quy chế"),
    ("QUY ĐỊNH", "Quy định"), ("ĐỀ ÁN", "Đề án"), ("PHƯƠNG ÁN", "Phương án"), ("CÔNG ĐIỆN", "Công điện"),
    ("PHÁP LỆNH", "Pháp lệnh"), ("BỘ LUẬT", "Bộ luật"), ("LUẬT", "Luật"), ("KẾT LUẬN", "Kết luận"),
    ("THÔNG TRI", "Thông tri"), ("THÔNG CÁO", "Thông cáo"), ("BIÊN BẢN", "Biên bản"), ("GIẤY MỜI", "Giấy mời"),
    ("HIẾN PHÁP", "Hiến pháp"), ("LỆNH", "Lệnh"), ("QUY TRÌNH", "Quy trình"), ("DỰ ÁN", "Dự án"),
    ("THAM LUẬN", "Tham luận"),
]
# The body that presents a tham luận, on its own line under the title ("UBND Thành phố Hà Nội").
_PRESENTER = re.compile(
    r"^(?:UBND|Ủy\s+ban|Uỷ\s+ban|ỦY\s+BAN|Bộ|BỘ|Sở|SỞ|Tổng|TỔNG|Ban|BAN|Hội|Công\s+an|CÔNG\s+AN|Tỉnh|Thành\s+phố"
    r"|Văn\s+phòng|Liên\s+đoàn|Mặt\s+trận|Cục|Viện|Trường|Trung\s+ương|Đoàn)\b[^;:!?]{0,80}(?<![.;:!?])$"
)
_TYPE_LINE = re.compile(
    r"^(?P<type>" + "|".join(re.escape(name) for name, _ in TYPE_NAMES) + r")(?![^\W\d_])\s*(?P<rest>.*)$"
)
# The type name as OCR reads it: tones and hats misread ("QUYÉT ĐỊNH", "KÉ HOẠCH") or a letter doubled ("KÉẺ
# HOẠCH"), matched on the loose key (no diacritics) with each letter allowed to repeat; upper case only.
_LOOSE_TYPE = re.compile(
    r"^(?P<type>" + "|".join(
        r"\s+".join("".join(re.escape(ch) + "+" for ch in word) for word in key_loose(name).split())
        for name, _ in TYPE_NAMES) + r")(?![^\W\d_])"
)
_GAZETTE_TYPE = re.compile(
    r"^(?P<type>" + "|".join(re.escape(name) for name, _ in TYPE_NAMES) + r")\s+(?P<rest>của\s.*)$", re.I
)
_OF = re.compile(r"^(?:CỦA|của|Của)\s+")
# Where the subject of a legal title begins after "CỦA <issuer> [SỐ …] [NGÀY …]".
_SUBJECT = re.compile(r"\s(?=(?:VỀ|Về|về|V/v|BAN\s+HÀNH|Ban\s+hành|QUY\s+ĐỊNH|Quy\s+định|HƯỚNG\s+DẪN|Hướng\s+dẫn)\b)")
_TYPE_SUFFIX = re.compile(r"^(?:LIÊN\s+TỊCH|LIÊN\s+NGÀNH)(?![^\W\d_])\s*")

_AUTHORITY = re.compile(r"^(?:[ỦU][YỶ]\s+BAN|HỘI\s+ĐỒNG|CHỦ\s+TỊCH|BỘ\s+TRƯỞNG|CHÍNH\s+PHỦ|QUỐC\s+HỘI|BAN\s|THỦ\s+TƯỚNG|GIÁM\s+ĐỐC)")
_OUTLINE_START = re.compile(r"^(?:[IVXL]+\.|\d{1,2}\.|[A-ZĐ]\.|Điều\s+\d|Chương\s+[IVXL\d]|Phần\s+)\s")


@dataclass
class Header:
    """What the header says; every field stays empty when the document does not say it."""

    doc_type: str | None = None
    doc_number: str | None = None
    title: str | None = None
    issuers: list[str] = field(default_factory=list)
    place: str | None = None
    date: str | None = None
    date_year: int | None = None  # the year of the date line even when day and month are blank
    type_line: int | None = None  # index of the type-name line
    body_start: int = 0  # offset of the first line after header and title


# Pieces of the motto that a column cut leaves on a line ("ỦY BAN NHÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA").
_MOTTO_PIECE = re.compile(
    r"C[ỘO]NG\s+H(?:ÒA|OÀ|OA)\s+X[ÃA]\s+H[ỘO]I(?:\s+CH[ỦU](?:\s+N\w{2,4})?)?(?:\s+VI[ỆE]T(?:\s+NAM)?)?"
    rf"|(?:^|(?<=\s))Đ[ộo]\w?c\s+l[ậa]p(?:{_DASH}T[ựu]\s+do)?(?:{_DASH}H[ạa]nh\s+ph[úu]c)?(?=\s*$|{_DASH})"
    rf"|T[ựu]\s+do{_DASH}H[ạa]nh\s+ph[úu]c"
)


# A motto cut at the end of a line ("… CỘNG HÒA XÃ HỘI CHỦ") and the words of its rest on the next line.
_CUT_MOTTO = re.compile(r"C[ỘO]NG\s+H\w{1,3}(?:\s+X\w{1,2})?(?:\s+H\w{1,3})?(?:\s+CH\w{1,2})?(?:\s+NGH\w{1,3})?\s*$")
_MOTTO_REST = re.compile(r"^(?:(?:H[OÒ]A|X[ÃA]|H[ỘO]I|CH[ỦU]|NGH\w{1,3}|VI[ỆE]T|NAM)(?:\s+|$))+")


def strip_motto(text: str) -> str:
    """The line without Quốc hiệu / Tiêu ngữ / party motto (they share lines with the issuer in PDF columns)."""
    return _MOTTO_PIECE.sub(" ", MOTTO.sub(" ", text)).strip(" |\t")


def _window(lines: list[Line]) -> list[Line]:
    window: list[Line] = []
    seen = 0
    for line in lines:
        window.append(line)
        seen += 0 if line.blank else 1
        if seen >= HEADER_WINDOW:
            break
    return window


def _find_number(window: list[Line]) -> tuple[Line, re.Match] | None:
    for line in window:
        text = strip_motto(line.text)
        match = NUMBER_LINE.search(text)
        if not match:
            continue
        prefix = text[: match.start()]
        lead = text[match.start(): match.start() + 3]
        # "số 80/KH-UBND" in a sentence is a citation; the header writes "Số:" / "Số 10-KH" / "Luật số:".
        if lead.startswith("số") and not re.search(r"(?:Luật|quyết|lệnh)\s*$", prefix):
            continue
        if prefix.strip() and not (":" in text[match.start(): match.start("number")] or is_upper_line(prefix)):
            continue
        return line, match
    for line in window:  # a scan's number line OCR misread ("Só:đÓ6 /KH-TCTLNTW-C04")
        match = OCR_NUMBER_LINE.search(strip_motto(line.text))
        if match:
            return line, match
    return None


def _number(match: re.Match) -> str:
    return ocr_number(match) if match.re is OCR_NUMBER_LINE else normalize_number(match.group("number"))


def _find_date(window: list[Line]) -> tuple[Line, re.Match] | None:
    for line in window:
        text = strip_motto(line.text)
        if "năm" not in text.lower() and "ngày" not in text.lower() or len(text) > 160:
            continue
        match = DATE_LINE.match(text)
        if match and place_of(match):
            return line, match
    return None


def _wrapped_place(units: list[Line], unit: Line, place: str | None) -> str | None:
    """A place cut by a hard wrap right after the number: "Số: 25/KH-UBND Quảng" / "Ngãi, ngày 03 …"."""
    if not place or unit.index == 0 or not DATE_LINE.match(strip_motto(unit.text)).group("before").strip() == place:
        return place
    above = strip_motto(units[unit.index - 1].text)
    number = NUMBER_LINE.search(above)
    tail = above[number.end():].split() if number else []
    if 0 < len(tail) <= 3 and all(w[:1].isupper() and not is_upper_line(w, 1) for w in tail):
        return place_from(" ".join(tail + [place])) or place
    return place


def _blank_date_place(units: list[Line]) -> str | None:
    for unit in units:
        match = PLACE_ONLY.match(strip_motto(unit.text))
        if match and place_from(match.group("before")):
            return place_from(match.group("before"))
    return None


def _find_type(window: list[Line]) -> tuple[Line, str, str] | None:
    """The type-name line of the header; a capitalised "BÁO CÁO" after the body has begun is not one.

    The gazette form "Nghị định của Chính phủ số 117/2003/NĐ-CP ngày …" counts when it opens the document.
    """
    for position, line in enumerate(line for line in window if not line.blank):
        text = strip_motto(line.text)
        match = _TYPE_LINE.match(text) or (_GAZETTE_TYPE.match(text) if position < 3 else None)
        loose = None if match else _loose_type(text)
        if loose:
            name, rest = loose
            if rest.startswith((":", "(")):
                continue
            return line, name, rest
        if not match:
            if _OUTLINE_START.match(text) or re.match(r"^(?:Căn\s+cứ|Thực\s+hiện)\s", text):
                return None
            continue
        rest = _TYPE_SUFFIX.sub("", match.group("rest")).strip()
        if rest.startswith(":") or rest.startswith("("):
            continue  # "QUYẾT ĐỊNH:" announces the articles of a decision, it is not the type line
        name = dict(TYPE_NAMES)[match.group("type").upper()]
        return line, name, rest
    return None


def _loose_type(text: str) -> tuple[str, str] | None:
    """(canonical type name, rest of the line) for a type line OCR misread ("KÉẺ HOẠCH" → "Kế hoạch"); None unless
    the type words are in capitals and the line read as the loose key keeps its length (offsets line up)."""
    key = key_loose(text)
    match = _LOOSE_TYPE.match(key) if len(key) == len(text) else None
    if not match or not is_upper_line(text[: match.end()]):
        return None
    found = re.sub(r"(\w)\1+", r"\1", match.group("type"))
    found = re.sub(r"\s+", " ", found)
    for name, canonical in TYPE_NAMES:
        if re.sub(r"(\w)\1+", r"\1", key_loose(name)) == found:
            return canonical, _TYPE_SUFFIX.sub("", text[match.end():]).strip()
    return None


def _title_lines(lines: list[Line], first: int, rest: str) -> tuple[list[str], int]:
    """Trích yếu: the lines after the type name up to a blank line or the start of the preamble."""
    parts: list[str] = [rest] if rest else []
    index = first
    while index < len(lines) and len(parts) < 8:
        line = lines[index]
        text = strip_motto(line.text)
        if line.blank or not text:
            if parts:
                following = _next_nonblank(lines, index)
                # a lower-case paragraph right after the title continues it ("…“Dân vận khéo”" / "năm 2023")
                if following is not None and _continues_title(lines[following].text):
                    index = following
                    continue
                break
            index += 1
            continue
        if parts and (PREAMBLE.match(text) or _OUTLINE_START.match(text)):
            break
        if parts and is_upper_line(text) and not (all(is_upper_line(p) for p in parts) and not _AUTHORITY.match(text)):
            break  # a capitalised line after a sentence-case title is the enacting authority, not more title
        if not parts and (_OUTLINE_START.match(text) or _not_a_title(text)):
            break
        parts.append(text)
        index += 1
    return parts, index


def _legal_title(header: Header, parts: list[str]) -> None:
    """The trích yếu, and what a legal title says before it: "CỦA CHÍNH PHỦ SỐ 29/1998/NĐ-CP NGÀY 11 THÁNG 5
    NĂM 1998 VỀ VIỆC …" gives issuer, number and date when the header block did not, and the title "VỀ VIỆC …".
    """
    title = " ".join(parts)
    if not _OF.match(title):
        header.title = title or None
        return
    head, subject = title, ""
    cut = _SUBJECT.search(title)
    if cut:
        head, subject = title[: cut.start()], title[cut.end():]
    elif len(parts) > 1 and is_upper_line(parts[0]) and not is_upper_line(" ".join(parts[1:])):
        head, subject = parts[0], " ".join(parts[1:])
    head = _OF.sub("", head).strip(" ,")
    dated = re.search(r"(?:^|\s|,)(?=ngày\s)", head, re.I)
    if dated:
        date = DATE_LINE.match(head[dated.end():].strip())
        if date and header.date is None:
            header.date, header.date_year = iso_date(date), date_year(date)
        head = head[: dated.start()]
    number = NUMBER_LINE.search(head)
    if number:
        header.doc_number = header.doc_number or normalize_number(number.group("number"))
        head = head[: number.start()]
    issuer = head.strip(" ,")
    if issuer and not header.issuers and len(issuer.split()) <= 12:
        header.issuers = [issuer.upper()]
    header.title = subject.strip() or None


def _presenter(header: Header, lines: list[Line], title: list[str], after: int) -> int:
    """A tham luận names who presents it under its title: that body is the issuer (taken off the title, with
    what the title loop read after it). Gives the index of the first line after the title."""
    for position, part in enumerate(title[1:], 1):
        if _PRESENTER.match(part) and len(part.split()) <= 10:
            header.issuers = header.issuers or [part]
            del title[position:]
            found = next((ln.index for ln in lines[:after] if strip_motto(ln.text) == part), after - 1)
            return found + 1
    following = _next_nonblank(lines, after)
    if following is not None and _PRESENTER.match(lines[following].text) and len(lines[following].text.split()) <= 10:
        header.issuers = header.issuers or [lines[following].text]
        return following + 1
    return after


def _not_a_title(text: str) -> bool:
    """The first line after the type name is the trích yếu unless it plainly opens the preamble."""
    return bool(re.match(r"^(?:Căn\s+cứ|Kính\s+gửi)", text)) or text.endswith((":", ";")) or len(text) > 600


def _continues_title(text: str) -> bool:
    return bool(text) and text[0].islower() and len(text) < 120 and not text.endswith((":", ";"))


def _next_nonblank(lines: list[Line], index: int) -> int | None:
    for j in range(index, min(len(lines), index + 4)):
        if not lines[j].blank:
            return j
    return None


def _issuer_lines(lines: list[Line], before: int, prefix: str = "") -> list[str]:
    """Upper-case lines right above the number line (or the top of the document): the issuing body."""
    found: list[str] = [prefix] if prefix and is_upper_line(prefix) else []
    index = before - 1
    while index >= 0 and len(found) < 4:
        text = strip_motto(lines[index].text)
        if lines[index].blank or not text or _RULE.match(text) or is_motto_line(lines[index].text) and not is_upper_line(text) \
                or re.fullmatch(r"[^\W\d_]{0,4}\d+[^\W\d_]{0,4}", text):  # a filing code ("XV80") between the lines
            index -= 1
            continue
        if re.search(r"\d{1,2}:\d{2}|;", text):
            break  # an e-signature stamp ("SAO Y; CÔNG AN TỈNH …; 03/02/2026; 15:40:13; +07:00")
        if re.search(r"\d\s*/|/\s*\d|^S\S{0,2}\s*:", text):
            index -= 1  # a number line OCR or an unconverted encoding left unreadable ("Số:69đ /BCA", "SOÁ: 120 /2002")
            continue
        if not is_upper_line(text) or len(text) > 80 or NUMBER_LINE.search(text) or _TYPE_LINE.match(text):
            break
        if found and _CUT_MOTTO.search(lines[index].text):  # the motto's end, wrapped onto the next line
            found[0] = re.sub(r"\s*VI[ỆE]T\s+NAM\s*$", "", _MOTTO_REST.sub("", found[0])).strip()
            found = [part for part in found if part]
        found.insert(0, text.strip(" */|„—"))
        index -= 1
    issuer = re.split(r"\s+C\w{1,2}NG\s+H\w{1,3}\s+X\w{1,2}\s+H", " ".join(found))[0].strip(" -–")
    return [issuer] if issuer else []


def _source_index(lines: list[Line], unit: Line) -> int:
    """The index in `lines` of the last source line of a header unit."""
    return bisect.bisect_right([line.start for line in lines], unit.end) - 1


def parse_header(lines: list[Line]) -> Header:
    """Read the header from the first lines; nothing is guessed when a part is missing."""
    header = Header()
    window = _window(lines)
    units = header_units(lines, len(window))
    number = _find_number(units)
    date = _find_date(units)
    kind = _find_type(window)
    last_line = -1
    if number:
        unit, match = number
        header.doc_number = _number(match)
        prefix = _OF.sub("", strip_motto(unit.text)[: match.start()].strip())
        header.issuers = _issuer_lines(units, unit.index, prefix)
        last_line = max(last_line, _source_index(lines, unit))
    if date:
        unit, match = date
        header.place = _wrapped_place(units, unit, place_of(match))
        header.date = iso_date(match)
        header.date_year = date_year(match)
        last_line = max(last_line, _source_index(lines, unit))
    else:
        header.place = _blank_date_place(units)
    if date and not header.issuers:  # the number is unreadable (OCR): the issuer sits above the date line too
        header.issuers = _issuer_lines(units, date[0].index)
    if kind:
        line, name, rest = kind
        header.doc_type = name
        header.type_line = line.index
        title, after = _title_lines(lines, line.index + 1, rest)
        if name == "Tham luận":
            after = _presenter(header, lines, title, after)
        _legal_title(header, title)
        last_line = after - 1
        if not header.issuers:
            header.issuers = _issuer_lines(units, sum(1 for unit in units if unit.end < line.start))
    elif number:
        title, after = _vv_title(lines, _source_index(lines, number[0]) + 1)
        if title is None and "|" in lines[_source_index(lines, number[0])].raw:  # in a table cell
            title, after = _vv_title(units, number[0].index + 1)
            after = _source_index(lines, units[after - 1]) + 1 if title else after
        if title:
            header.title = title
            last_line = max(last_line, after - 1)
    # The body starts after the title; without a type line, after the number / date / V/v lines when they
    # sit at the top (a header found further down, as in some PDF text layers, does not move the body start).
    if kind is None and last_line >= 0 and sum(1 for line in lines[:last_line] if not line.blank) > 15:
        last_line = -1
    if last_line >= 0:
        header.body_start = min(lines[last_line].end + 1, lines[-1].end)
    return header


def _vv_title(lines: list[Line], start: int) -> tuple[str | None, int]:
    """Công văn: the trích yếu follows "V/v" under the number."""
    for index in range(start, min(len(lines), start + 6)):
        text = strip_motto(lines[index].text)
        match = re.match(r"^V/v\s*:?\s*(.+)$", text, re.I)
        if match:
            parts = [match.group(1).strip()]
            after = index + 1
            while after < len(lines) and not lines[after].blank and len(parts) < 4:
                more = strip_motto(lines[after].text)
                # "V/v trả lời đề nghị của" / "Sở Nội vụ tỉnh Lâm Đồng": a capital may go on the subject
                if not more or is_motto_line(lines[after].text) or is_upper_line(more) or DATE_LINE.match(more) \
                        or PREAMBLE.match(more) or not (more[0].islower() or not parts[-1].endswith((".", ";", ":"))):
                    break
                parts.append(more)
                after += 1
            return " ".join(parts), after
    return None, start
