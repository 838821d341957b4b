"""Place and date of a header line: "Hà Nội, ngày 03 tháng 12 năm 2025", "…, ngày 03/12/2025", the drafts'
"Lâm Đồng, ngày    tháng    năm 2026" (year only) and dates left wholly blank ("Hà Nội, ngày  tháng  năm").
"""
from __future__ import annotations

import re

from indexer.structure.doclines import is_upper_line
from indexer.structure.references import NUMBER_LINE, OCR_NUMBER_LINE

_MONTH_WORDS = {
    "giêng": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
    "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12,
}
_MONTH_WORD = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))
_BLANK = r"[\s.…_,]*"
_JUNK = r"\S{1,3}?(?=\s|th\wng)"  # what OCR makes of a handwritten day or month: "(M", "⁄{Ô", "Q2"
# A place whose date is left wholly blank: "Hà Nội, ngày    tháng    năm" (the year is not printed).
PLACE_ONLY = re.compile(rf"(?P<before>.*?),\s*ngày{_BLANK}tháng{_BLANK}năm{_BLANK}$", re.I)
DATE_LINE = re.compile(
    rf"(?P<before>.*?),?\s*(?:ngày{_BLANK}(?:(?P<day>\d{{1,2}})|{_JUNK})?{_BLANK}(?:tháng|th\wng){_BLANK}"
    rf"(?:(?P<month>\d{{1,2}}|{_MONTH_WORD})|{_JUNK})?{_BLANK}năm\s*(?P<year>(?:19|20)\d{{2}})"
    rf"|ngày\s*(?P<nday>\d{{1,2}})\s*[/.\-]\s*(?P<nmonth>\d{{1,2}})\s*[/.\-]\s*(?P<nyear>(?:19|20)\d{{2}})"
    rf"|(?<=,)\s*(?:tháng{_BLANK})?năm\s*(?P<oyear>(?:19|20)\d{{2}}))\s*[.;]?\s*$",
    re.I,
)
# Words that never stand in a place name: "Căn cứ Luật Tổ chức Chính phủ, ngày …" is a citation, not a place.
_NOT_PLACE = {"của", "về", "và", "theo", "tại", "số", "cứ", "hiện", "hành", "ngày", "được", "đã", "với", "các",
              "trên", "lúc", "cho", "gửi", "v/v", "kính"}
PREAMBLE = re.compile(
    r"^(?:Căn\s+cứ|Thực\s+hiện|Thực\s+Kế|Theo\s+đề\s+nghị|Xét\s+đề\s+nghị|Kính\s+gửi"
    r"|Nhằm\s|Để\s|Trên\s+cơ\s+sở|Ngày\s+\d)",
)


def place_from(before: str) -> str | None:
    """The place written before ", ngày …" ("Hà Nội", "Thành phố Đà Nẵng"); None when the text before the date is
    not a place (a citation, a sentence, a number with no place after it)."""
    number = NUMBER_LINE.search(before) or OCR_NUMBER_LINE.search(before)
    if number:
        before = before[number.end():]
    words = before.replace("|", " ").split()
    # Interleaved PDF columns: "TỈNH NINH BÌNH Ninh Bình" → drop the leading run of capitals.
    while len(words) > 1 and is_upper_line(words[0], 1) and not all(is_upper_line(w, 1) for w in words):
        words.pop(0)
    words = [w.strip(",;:*_") for w in words if w.strip(",;:*_")]
    if words and words[-1].endswith(".") and len(words[-1]) > 3:
        words[-1] = words[-1].rstrip(".")  # "Lâm Đồng. ngày …" (OCR), but "TP." stays
    words = [w for w in words if w]
    if not words or len(words) > 6 or not words[0][0].isupper():
        return None
    if any(ch.isdigit() for ch in "".join(words)) or any(w.lower() in _NOT_PLACE for w in words):
        return None
    if PREAMBLE.match(" ".join(words)):
        return None
    return " ".join(words)


# Lower-case words that belong to a place name after a capitalised one ("Hà nội", "Thành phố Đà Nẵng").
_PLACE_WORDS = {"phố", "nội", "xã", "trấn", "thị", "tỉnh"}


def place_of(match: re.Match) -> str | None:
    """The place of a DATE_LINE match; when the text before ", ngày" is noisy (an OCR'd number "Số: ÊŒ /QĐ-UBND
    Hải Dương", the V/v of the other column), the capitalised words right before the comma."""
    before = match.group("before")
    place = place_from(before)
    if place or not match.string[match.end("before"):].lstrip().startswith(","):
        return place
    words = before.split()
    run: list[str] = []
    while words:
        word = words.pop()
        capital = word[:1].isupper() and not is_upper_line(word, 2) and word.isalpha()
        if capital or (word in _PLACE_WORDS and words and words[-1][:1].isupper()):
            run.insert(0, word)
            continue
        break
    return place_from(" ".join(run)) if run and len(run) <= 4 else None


def date_year(match: re.Match) -> int:
    """The year of a DATE_LINE match, whichever form the date was written in."""
    return int(match.group("year") or match.group("nyear") or match.group("oyear"))


def iso_date(match: re.Match) -> str:
    """ISO date, as precise as the line is: "2025-12-03", "2025-12" (day left blank), "2026" (drafts: "năm 2026").

    A day or month that cannot be (an OCR "ngày99") is dropped rather than the whole date.
    """
    year = date_year(match)
    if match.group("nyear"):
        day_text, month_text = match.group("nday"), match.group("nmonth")
    else:
        day_text, month_text = match.group("day"), (match.group("month") or "").lower()
    month = int(month_text) if month_text and month_text.isdigit() else _MONTH_WORDS.get(month_text or "")
    if not month or not 1 <= month <= 12:
        return f"{year:04d}"
    day = int(day_text) if day_text else None
    if day is None or not 1 <= day <= 31:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"
