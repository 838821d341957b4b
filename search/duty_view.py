"""The duties view for officials: who → what → to whom → how often → next due date, sorted by the next due date,
filterable by recipient and by the reporting agency (the UI's "Nhiệm vụ & thời hạn" tab, CSV and .ics use it).

The next due date is computed only from what the plan states: an absolute date, a yearly day (or two: "15/6 và
15/12 hằng năm"), a day of every month ("trước ngày 20 hằng tháng"), a day of the last month of each quarter
("trước ngày 15 của tháng cuối quý") or of the following month ("ngày 05 của tháng liền kề"), a weekday ("trước 10
giờ sáng thứ Hai"). Nothing is guessed for "hằng quý" without a day. A one-off date before today is shown as
"đã qua (dd/mm/yyyy)" and sorted after the coming ones and those without a date (it no longer falls due).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from indexer.duties.deadlines import yearly_days
from indexer.model import Duty
from indexer.text.vntext import key_loose
from search.query.questions import agency_matches
from search.ui_support import frequency_label, paged_page, plan_name

DUTY_VIEW_COLUMNS = ("Cơ quan thực hiện", "Việc", "Gửi đến", "Tần suất", "Hạn kế tiếp", "Thời hạn", "Kế hoạch", "Mục",
                     "Trang", "Trích dẫn", "Số ký hiệu", "Trích yếu", "Năm")
_DAY = re.compile(r"ngay\s+(\d{1,2})\b")
_WEEKDAYS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3, "sau": 4, "6": 4, "bay": 5, "7": 5}
_WEEKDAY = re.compile(r"\bthu\s+(hai|ba|tu|nam|sau|bay|[2-7])\b")


def _day_in(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1  # "ngày 31 hằng tháng" in a 30-day month: its last day


def _month_after(year: int, month: int, months: int = 1) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def next_due(duty: Duty, today: date) -> date | None:
    """The next date (≥ today, or the stated date itself when absolute) the duty falls due; None when the plan does
    not say enough to compute one."""
    if duty.deadline_date and len(duty.deadline_date) == 10:
        return date.fromisoformat(duty.deadline_date)
    days = yearly_days(duty.deadline, duty.deadline_recurrence)
    if days:
        candidates = []
        for md in days:
            month, day = int(md[2:4]), int(md[5:7])
            this_year = _day_in(today.year, month, day)
            candidates.append(this_year if this_year >= today else _day_in(today.year + 1, month, day))
        return min(candidates)
    loose = key_loose(duty.deadline or "")
    weekday = _WEEKDAY.search(loose)
    if weekday:
        return today + timedelta(days=(_WEEKDAYS[weekday.group(1)] - today.weekday()) % 7)
    day = _DAY.search(loose)
    if not day:
        return None
    n = int(day.group(1))
    if "cuoi quy" in loose:
        last = ((today.month - 1) // 3) * 3 + 3
        due = _day_in(today.year, last, n)
        if due < today:
            due = _day_in(*_month_after(today.year, last, 3), n)
        return due
    if "hang thang" in loose or "moi thang" in loose or "thang lien ke" in loose or "thang tiep theo" in loose:
        due = _day_in(today.year, today.month, n)
        return due if due >= today else _day_in(*_month_after(today.year, today.month), n)
    return None


def is_passed(due: date | None, today: date) -> bool:
    """True for a due date before today (only a one-off, absolute date can be: recurring ones roll forward)."""
    return due is not None and due < today


def due_label(due: date | None, today: date) -> str:
    """ "dd/mm/yyyy" for a coming due date, "đã qua (dd/mm/yyyy)" for one before today, "" for none."""
    if due is None:
        return ""
    return f"đã qua ({due:%d/%m/%Y})" if is_passed(due, today) else f"{due:%d/%m/%Y}"


def due_order(due: date | None, today: date) -> tuple[int, date]:
    """Sort key: coming dates (soonest first), then no date, then passed dates (oldest first)."""
    if due is None:
        return 1, date.max
    return (2 if is_passed(due, today) else 0), due


def filter_duties(duties: Iterable[Duty], recipient: str | None = None, actor: str | None = None) -> list[Duty]:
    """Duties sent to (or via) `recipient` and done by `actor` (agency names matched without diacritics or
    abbreviations; None or "" means any)."""
    chosen = []
    for duty in duties:
        if recipient and not (agency_matches(recipient, duty.recipient) or agency_matches(recipient, duty.intermediary)):
            continue
        if actor and not agency_matches(actor, duty.actor):
            continue
        chosen.append(duty)
    return chosen


def duty_table(duties: Iterable[Duty], documents: Mapping[str, object], today: date | None = None,
               hide_passed: bool = False) -> list[dict]:
    """Rows with DUTY_VIEW_COLUMNS, sorted by next due date (coming ones first, then those without a date, then
    passed one-off dates; then by plan); "Hạn kế tiếp" is due_label: dd/mm/yyyy, "đã qua (dd/mm/yyyy)" or "" when
    the plan gives no computable date. hide_passed leaves out the duties whose one-off date is before `today`."""
    today = today or date.today()
    keyed = []
    for duty in duties:
        doc = documents.get(duty.doc_id)
        due = next_due(duty, today)
        if hide_passed and is_passed(due, today):
            continue
        to = duty.recipient or ""
        if duty.intermediary:
            to = f"{to} (qua {duty.intermediary})".strip()
        title = " ".join(((doc.title or doc.source) if doc else duty.doc_id).split())
        row = {
            "Cơ quan thực hiện": duty.actor or "",
            "Việc": " ".join(x for x in (duty.action, duty.object or "") if x),
            "Gửi đến": to,
            "Tần suất": frequency_label(duty.frequency),
            "Hạn kế tiếp": due_label(due, today),
            "Thời hạn": duty.deadline or "",
            "Kế hoạch": plan_name(doc.doc_number, doc.title, doc.date, doc.doc_type, doc.source, 80) if doc
            else duty.doc_id,
            "Mục": duty.section,
            "Trang": paged_page(doc.source if doc else "", duty.page),
            "Trích dẫn": " ".join(duty.sentence.split()),
            "Số ký hiệu": (doc.doc_number if doc else None) or "",
            "Trích yếu": title,
            "Năm": doc.year if doc else None,
        }
        keyed.append(((*due_order(due, today), row["Kế hoạch"], duty.start), row))
    keyed.sort(key=lambda item: item[0])
    return [row for _, row in keyed]
