"""Reporting frequencies and deadlines in Vietnamese plan text ("định kỳ hàng quý", "trước ngày 15/11 hàng năm")."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# Canonical frequency names (the `duties --frequency` choices); "hằng" and "hàng" mean the same.
# The wordings recognised, with the real documents they come from: docs/DUTY_WORDINGS.md.
WEEKLY, MONTHLY, QUARTERLY, SEMIANNUAL, ANNUAL, PERIODIC, ONCE = (
    "weekly", "monthly", "quarterly", "semiannual", "annual", "periodic", "once")
FREQUENCIES = (WEEKLY, MONTHLY, QUARTERLY, SEMIANNUAL, ANNUAL, PERIODIC, ONCE)

_UNIT_FREQUENCY = {"ngày": PERIODIC, "tuần": WEEKLY, "tháng": MONTHLY, "quý": QUARTERLY, "năm": ANNUAL}
_MONTHS_FREQUENCY = {1: MONTHLY, 3: QUARTERLY, 6: SEMIANNUAL, 12: ANNUAL}
_NUMBER_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "sáu": 6}

_HANG = r"h[àằ]ng"
_DINH_KY = r"định\s+kỳ"
_PER_TIME = r"(?:\s*/\s*lần|\s+(?:một|1|01)\s+lần)?"
_COUNT = r"0?\d{1,2}|một|hai|ba|sáu"

# Order matters: the more specific patterns first; overlapping later matches are dropped.
_FREQUENCY_PATTERNS = [
    re.compile(rf"(?:{_DINH_KY}\s+)?{_HANG}\s+(?P<unit>ngày|tuần|tháng|quý|năm)\b", re.I),
    # "mỗi quý một lần", "mỗi tháng 01 lần", "mỗi năm 02 lần" (n times per unit), "định kỳ mỗi tháng".
    re.compile(rf"(?:{_DINH_KY}\s+)?mỗi\s+(?P<unit>tuần|tháng|quý|năm)(?:\s+(?P<times>{_COUNT})\s+lần)?(?!\s+(?:{_COUNT})\s)",
               re.I),
    re.compile(rf"{_DINH_KY}\s+(?:(?P<n>{_COUNT})\s+)?(?P<unit>tuần|tháng|năm|quý){_PER_TIME}", re.I),
    # "03 tháng một lần", "06 tháng/lần", "02 tuần/lần".
    re.compile(rf"(?<![\d/.])\b(?P<n>{_COUNT})\s+(?P<unit>tuần|tháng|năm)\s*(?:/\s*lần|(?:một|1|01)\s+lần)", re.I),
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
# "17 giờ 00", "10 giờ sáng", "11h00’", "16h30": an hour before the day, kept in the deadline as written.
_HOUR = r"(?:\d{1,2}\s*(?:giờ|h)(?:\s*\d{2})?(?:\s*phút)?[’']?(?:\s+(?:sáng|chiều|trưa|tối))?\s*,?\s+)"
_ON = rf"\s+{_HOUR}?(?:vào\s+)?(?:ngày\s+)?"
_RECURRENCE = rf"(?P<rec>\s+(?:{_HANG}|mỗi)\s+(?P<rec_unit>năm|tháng|quý))?"
_DEADLINE_DATE = re.compile(rf"{_KEYWORD}{_ON}(?:{_NUM_DATE}|{_WORD_DATE}){_RECURRENCE}", re.I)
# Two yearly dates: "trước ngày 15/6 và 15/12 hằng năm" (twice a year).
_DEADLINE_TWO_DATES = re.compile(
    rf"{_KEYWORD}{_ON}(?P<d>\d{{1,2}})\s*/\s*(?P<m>\d{{1,2}})\s+(?:và|,)\s+(?:ngày\s+)?(?P<d2>\d{{1,2}})\s*/\s*(?P<m2>\d{{1,2}})"
    rf"\s+(?:{_HANG}|mỗi)\s+năm", re.I)
_DEADLINE_DAY = re.compile(
    rf"{_KEYWORD}{_ON}(?P<d>\d{{1,2}})\s+(?:của\s+)?(?P<which>(?:{_HANG}|mỗi)\s+tháng|tháng\s+cuối\s+(?:mỗi\s+|của\s+)?quý|"
    r"tháng\s+(?:liền\s+kề|tiếp\s+theo|sau))", re.I)
# "trước 10 giờ sáng thứ Hai", "trước 11h00’ ngày thứ 5 hằng tuần": a weekly deadline.
_DEADLINE_WEEKDAY = re.compile(
    rf"{_KEYWORD}\s+{_HOUR}?(?:(?:vào\s+)?ngày\s+)?thứ\s+(?:[2-7]|hai|ba|tư|năm|sáu|bảy)\b(?:\s+(?:{_HANG}|mỗi)\s+tuần)?",
    re.I)
_DEADLINE_RELATIVE = re.compile(
    r"(?:trong\s+(?:thời\s+hạn|vòng)|chậm\s+nhất(?:\s+là)?(?:\s+sau)?)\s+(?:\d{1,3}|một|hai|ba|năm|mười)\s+"
    r"(?:ngày|tuần|tháng)(?:\s+làm\s+việc)?"
    r"(?:\s*,?\s*(?:kể\s+từ|sau|trước)\s+(?:ngày\s+)?(?:(?!\svà\s)[^,.;()]){1,80})?", re.I)


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
    for match in _DEADLINE_TWO_DATES.finditer(text):
        first, second = (month_day(int(match.group(d)), int(match.group(m))) for d, m in (("d", "m"), ("d2", "m2")))
        if first and second:
            found.append(DeadlineMention(match.start(), match.end(), None, first, SEMIANNUAL))
    for match in _DEADLINE_DAY.finditer(text):
        which = match.group("which").lower()
        frequency = QUARTERLY if "quý" in which else MONTHLY if re.match(rf"(?:{_HANG}|mỗi)\s", which) else None
        found.append(DeadlineMention(match.start(), match.end(), None, None, frequency))
    for match in _DEADLINE_WEEKDAY.finditer(text):
        found.append(DeadlineMention(match.start(), match.end(), None, None, WEEKLY))
    for match in _DEADLINE_RELATIVE.finditer(text):
        found.append(DeadlineMention(match.start(), match.end(), None, None, None))
    return _without_overlaps(found)


def _count(word: str) -> int:
    word = word.lower()
    return _NUMBER_WORDS[word] if word in _NUMBER_WORDS else int(word)


def _frequency_of(unit: str, count: str | None, times: str | None = None) -> str:
    """Frequency of "every `count` `unit`s" ("03 tháng" → quarterly), or "`times` times per unit" when given."""
    unit = unit.lower()
    if times is not None:
        per = _count(times)
        if per == 1:
            return _UNIT_FREQUENCY.get(unit, PERIODIC)
        return SEMIANNUAL if unit == "năm" and per == 2 else QUARTERLY if unit == "năm" and per == 4 else PERIODIC
    if count is None:
        return _UNIT_FREQUENCY.get(unit, PERIODIC)
    n = _count(count)
    if unit == "năm":
        return ANNUAL if n == 1 else PERIODIC
    if unit == "quý":
        return QUARTERLY if n == 1 else PERIODIC
    if unit == "tuần":
        return WEEKLY if n == 1 else PERIODIC
    return _MONTHS_FREQUENCY.get(n, PERIODIC)


def find_frequencies(text: str, masked: list[tuple[int, int]] = ()) -> list[FrequencyMention]:
    """Frequency phrases outside the masked spans (deadlines, dates), including list continuations."""
    found: list[FrequencyMention] = []
    taken = list(masked)
    for pattern in _FREQUENCY_PATTERNS:
        for match in pattern.finditer(text):
            if _overlaps(match.start(), match.end(), taken):
                continue
            groups = match.groupdict()
            unit = groups.get("unit") or groups.get("unit2")
            count = groups.get("n") or groups.get("n2")
            frequency = _frequency_of(unit, count, groups.get("times")) if unit else PERIODIC
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


def yearly_days(deadline: str | None, recurrence: str | None) -> list[str]:
    """Every "--MM-DD" a yearly or twice-yearly deadline falls on: ["--06-15", "--12-15"] for "trước ngày 15/6 và
    15/12 hằng năm"; [recurrence] otherwise; [] when there is no recurrence."""
    if not recurrence:
        return []
    match = _DEADLINE_TWO_DATES.search(deadline or "")
    if match:
        days = [month_day(int(match.group(d)), int(match.group(m))) for d, m in (("d", "m"), ("d2", "m2"))]
        if all(days):
            return sorted(set(days))
    return [recurrence]
