"""Deadlines of extracted duties as an iCalendar file (one all-day event each; yearly ones recur every year)."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Mapping

from icalendar import Alarm, Calendar, Event

from indexer.model import DocumentInfo, Duty
from search.ui_support import plan_name

PRODID = "-//Tra cuu Ke hoach//tracuu//VI"
REMINDER_DAYS = 7


def dated(duty: Duty) -> bool:
    """True when the duty has a deadline a calendar can hold (an absolute date or a yearly month-day)."""
    return bool(duty.deadline_date and len(duty.deadline_date) == 10) or bool(duty.deadline_recurrence)


def in_calendar(duty: Duty, today: date | None = None) -> bool:
    """True when the duty belongs in the calendar: dated, and not a one-off deadline already past (before `today`,
    default the current date); yearly deadlines always stay."""
    if not dated(duty):
        return False
    if not (duty.deadline_date and len(duty.deadline_date) == 10):
        return True
    return date.fromisoformat(duty.deadline_date) >= (today or date.today())


def first_occurrence(duty: Duty, doc: DocumentInfo | None, today: date | None = None) -> date | None:
    """The event date: the absolute deadline, or a yearly month-day in the plan's year (this year if undated)."""
    if duty.deadline_date and len(duty.deadline_date) == 10:
        return date.fromisoformat(duty.deadline_date)
    if duty.deadline_recurrence:
        month, day = int(duty.deadline_recurrence[2:4]), int(duty.deadline_recurrence[5:7])
        year = (doc.year if doc and doc.year else None) or (today or date.today()).year
        if month == 2 and day == 29:
            day = 28  # a plan's "29/2 hằng năm" still needs an event in common years
        return date(year, month, day)
    return None


def _uid(duty: Duty) -> str:
    # Deterministic: re-exporting the same index gives the same events, so calendar programs update, not duplicate.
    key = f"{duty.doc_id}:{duty.start}:{duty.end}:{duty.action}:{duty.frequency}:{duty.deadline}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:24] + "@tracuu"


def _summary(duty: Duty, doc: DocumentInfo | None) -> str:
    what = duty.action.capitalize()
    if duty.object:
        what += f" {duty.object}"
    if duty.recipient:
        what += f" → {duty.recipient}"
    if duty.intermediary:
        what += f" (qua {duty.intermediary})"
    plan = plan_name(doc.doc_number, doc.title, doc.date, doc.doc_type, doc.source, 80) if doc else duty.doc_id
    return f"Hạn: {what} [{plan}]"


def _description(duty: Duty, doc: DocumentInfo | None) -> str:
    lines = []
    if doc is not None:
        lines.append(" · ".join(x for x in (doc.doc_number, doc.title, doc.issuer, doc.date) if x))
    where = f"mục {duty.section}" if duty.section else ""
    if duty.page:
        where += (", " if where else "") + f"trang {duty.page}"
    if where:
        lines.append(where)
    if duty.actor:
        lines.append(f"Thực hiện: {duty.actor}")
    lines.append(f"Thời hạn: {duty.deadline}")
    lines.append(f"“{duty.sentence}”")
    return "\n".join(lines)


def duties_to_ics(duties: Iterable[Duty], documents: Mapping[str, DocumentInfo] | Iterable[DocumentInfo],
                  stamp: datetime | None = None, today: date | None = None) -> bytes:
    """An iCalendar (RFC 5545) file with one VEVENT per deadline `in_calendar` (one-off deadlines before `today`,
    default the current date, are left out); `documents` by doc_id or as a list."""
    by_id = documents if isinstance(documents, Mapping) else {d.doc_id: d for d in documents}
    stamp = stamp or datetime.now(timezone.utc)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Thời hạn báo cáo (Tra cứu Kế hoạch)")
    for duty in duties:
        if not in_calendar(duty, today):
            continue
        doc = by_id.get(duty.doc_id)
        day = first_occurrence(duty, doc)
        if day is None:
            continue
        event = Event()
        event.add("uid", _uid(duty))
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", _summary(duty, doc))
        event.add("description", _description(duty, doc))
        event.add("transp", "TRANSPARENT")
        if duty.deadline_recurrence and not (duty.deadline_date and len(duty.deadline_date) == 10):
            event.add("rrule", {"freq": "yearly"})
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _summary(duty, doc))
        alarm.add("trigger", timedelta(days=-REMINDER_DAYS))
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
