"""Reporting frequencies and deadlines in Vietnamese plan text ("định kỳ hàng quý", "trước ngày 15/11 hàng năm")."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# Canonical frequency names (the `duties --frequency` choices); "hằng" and "hàng" mean the same.
MONTHLY, QUARTERLY, SEMIANNUAL, ANNUAL, PERIODIC, ONCE = (
    "monthly", "quarterly", "semiannual", "annual", "periodic", "once")
FREQUENCIES = (MONTHLY, QUARTERLY, SEMIANNUAL, ANNUAL, PERIODIC, ONCE)

_UNIT_FREQUENCY = {"ngày": PERIODIC, "tuần": PERIODIC, "tháng": MONTHLY, "quý": QUARTERLY, "năm": ANNUAL}
_MONTHS_FREQUENCY = {1: MONTHLY, 3: QUARTERLY, 6: SEMIANNUAL, 12: ANNUAL}

_HANG = r"h[àằ]ng"
_DINH_KY = r"định\s+kỳ"
_PER_TIME = r"(?:\s*/\s*lần|\s+(?:một|1|01)\s+lần)?"

# Order matters: the more specific patterns first; overlapping later matches are dropped.
_FREQUENCY_PATTERNS = [
    re.compile(rf"(?:{_DINH_KY}\s+)?{_HANG}\s+(?P<unit>ngày|tuần|tháng|quý|năm)\b", re.I),
    re.compile(rf"{_DINH_KY}\s+(?:(?P<n>0?\d{{1,2}})\s+)?(?P<unit>tháng|năm|quý){_PER_TIME}", re.I),
    re.compile(r"(?<![\d/.])(?P<n>0?\d{1,2})\s+(?P<unit>tháng)\s*/\s*lần", re.I),
    # "báo cáo 6 tháng", "sơ kết 6 tháng": a report named by its period.
    re.compile(r"(?<=báo cáo )(?P<n>0?\d{1,2})\s+(?P<unit>tháng)\b|(?<=sơ kết )(?P<n2>0?\d{1,2})\s+(?P<unit2>tháng)\b",
               re.I),
    re.compile(rf"{_DINH_KY}\b", re.I),
]
# A further period in a list after a frequency: "định kỳ 06 tháng (…), 01 năm (…)", "hàng quý, 6 tháng".
_CONTINUATION = re.compile(r"[\s,;]*(?:và\s+|hoặc\s+)?(?P<n>0?\d{1,2})\s+(?P<unit>tháng|năm)\b(?!\s+năm\s+\d)", re.I)

_NUM_DATE = r"(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})(?:\s*[/.-]\s*(?P<y>\d{4}|\d{2}))?(?![\d/])"
_WORD_DATE = r"(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})(?:\s+năm\s+(?P<y2>\d{4}))?"
_KEYWORD = (r"(?P<kw>chậm\s+nhất(?:\s+là)?|không\s+muộn\s+hơn|không\s+quá|hạn\s+chót(?:\s+là)?|"
            r"hoàn\s+thành\s+trước|trước)")
_RECURRENCE = rf"(?P<rec>\s+(?:{_HANG}|mỗi)\s+(?P<rec_unit>năm|tháng|quý))?"
_DEADLINE_DATE = re.compile(rf"{_KEYWORD}\s+(?:ngày\s+)?(?:{_NUM_DATE}|{_WORD_DATE}){_RECURRENCE}", re.I)
_DEADLINE_DAY = re.compile(
    rf"{_KEYWORD}\s+ngày\s+(?P<d>\d{{1,2}})\s+(?:của\s+)?(?P<which>{_HANG}\s+tháng|tháng\s+cuối\s+(?:mỗi\s+)?quý)", re.I)
_DEADLINE_RELATIVE = re.compile(
    r"trong\s+(?:thời\s+hạn|vòng)\s+(?:\d{1,3}|một|hai|ba|năm|mười)\s+(?:ngày|tuần|tháng)(?:\s+làm\s+việc)?"
    r"(?:\s*,?\s*kể\s+từ\s+(?:ngày\s+)?(?:(?!\svà\s)[^,.;()]){1,80})?", re.I)


@dataclass(frozen=True)
class FrequencyMention:
    """A frequency phrase: span [start, end) in the text it was found in."""

    start: int
    end: int
    frequency: str


@dataclass(frozen=True)
class DeadlineMention:
    """A deadline as written, with the date it names when absolute or the month-day when yearly."""

    start: int
    end: int
    date: str | None  # ISO when day, month and year are given
    month_day: str | None  # "--MM-DD" whenever day and month are given
    frequency: str | None  # implied by the deadline itself ("… hàng năm" → annual, "… hàng tháng" → monthly)


def iso_date(day: int, month: int, year: int | None) -> str | None:
    """ISO date for a D/M/Y triple, or None when it is not a real date (or the year is missing)."""
    if year is None:
        return None
    if year < 100:
        year += 2000
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def month_day(day: int, month: int) -> str | None:
    """"--MM-DD" for a yearly date, None when the day cannot exist in that month."""
    try:
        date(2000, month, day)  # a leap year, so 29/2 is accepted
    except ValueError:
        return None
    return f"--{month:02d}-{day:02d}"


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def find_deadlines(text: str) -> list[DeadlineMention]:
    """Deadlines in a sentence: absolute, yearly or monthly recurring, and relative ones ("trong thời hạn 05 ngày")."""
    found: list[DeadlineMention] = []
    for match in _DEADLINE_DATE.finditer(text):
        day = _int(match.group("d") or match.group("d2"))
        month = _int(match.group("m") or match.group("m2"))
        year = _int(match.group("y") or match.group("y2"))
        if day is None or month is None or month_day(day, month) is None:
            continue
        frequency = _UNIT_FREQUENCY.get((match.group("rec_unit") or "").lower())
        found.append(DeadlineMention(match.start(), match.end(), iso_date(day, month, year),
                                     month_day(day, month), frequency))
    for match in _DEADLINE_DAY.finditer(text):
        which = match.group("which").lower()
        frequency = QUARTERLY if "quý" in which else MONTHLY
        found.append(DeadlineMention(match.start(), match.end(), None, None, frequency))
    for match in _DEADLINE_RELATIVE.finditer(text):
        found.append(DeadlineMention(match.start(), match.end(), None, None, None))
    return _without_overlaps(found)


def _frequency_of(unit: str, count: str | None) -> str:
    unit = unit.lower()
    if count is None:
        return _UNIT_FREQUENCY.get(unit, PERIODIC)
    n = int(count)
    if unit == "năm":
        return ANNUAL if n == 1 else PERIODIC
    if unit == "quý":
        return QUARTERLY if n == 1 else PERIODIC
    return _MONTHS_FREQUENCY.get(n, PERIODIC)


def find_frequencies(text: str, masked: list[tuple[int, int]] = ()) -> list[FrequencyMention]:
    """Frequency phrases outside the masked spans (deadlines, dates), including list continuations."""
    found: list[FrequencyMention] = []
    taken = list(masked)
    for pattern in _FREQUENCY_PATTERNS:
        for match in pattern.finditer(text):
            if _overlaps(match.start(), match.end(), taken):
                continue
            unit = match.groupdict().get("unit") or match.groupdict().get("unit2")
            count = match.groupdict().get("n") or match.groupdict().get("n2")
            frequency = _frequency_of(unit, count) if unit else PERIODIC
            found.append(FrequencyMention(match.start(), match.end(), frequency))
            taken.append((match.start(), match.end()))
    found.sort(key=lambda f: f.start)
    return _with_continuations(text, found, masked)


def _with_continuations(text: str, found: list[FrequencyMention],
                        masked: list[tuple[int, int]]) -> list[FrequencyMention]:
    result: list[FrequencyMention] = []
    for mention in found:
        result.append(mention)
        position = _skip_masked(text, mention.end, masked)
        while True:
            match = _CONTINUATION.match(text, position)
            if not match:
                break
            extra = FrequencyMention(match.start("n"), match.end(), _frequency_of(match.group("unit"), match.group("n")))
            if any(f.start <= extra.start < f.end for f in found):
                break
            result.append(extra)
            position = _skip_masked(text, match.end(), masked)
    result.sort(key=lambda f: f.start)
    return result


def _skip_masked(text: str, position: int, masked: list[tuple[int, int]]) -> int:
    """Move past an adjacent masked span (a deadline in brackets) and its closing bracket."""
    for start, end in sorted(masked):
        if start >= position and text[position:start].strip(" (") == "":
            position = end
            while position < len(text) and text[position] in " )":
                position += 1
            break
    return position


def _overlaps(start: int, end: int, spans) -> bool:
    return any(start < s_end and s_start < end for s_start, s_end in spans)


def _without_overlaps(mentions: list[DeadlineMention]) -> list[DeadlineMention]:
    kept: list[DeadlineMention] = []
    for mention in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
        if not _overlaps(mention.start, mention.end, [(k.start, k.end) for k in kept]):
            kept.append(mention)
    return kept
