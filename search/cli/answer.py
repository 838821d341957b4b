"""`tracuu ask` and `tracuu duties`: answers with quotes, and the extracted duties (optionally as an .ics calendar)."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from indexer.duties.extract import duty_quote_span
from indexer.model import Duty
from indexer.settings import Settings
from search.ocr_note import ocr_note
from search.ui_support import plan_name

_FREQUENCY_NAMES = {"weekly": "hằng tuần", "monthly": "hàng tháng", "quarterly": "hàng quý", "semiannual": "6 tháng", "annual": "hàng năm",
                    "periodic": "định kỳ", "once": "một lần"}


def _index_dir(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.index) if getattr(args, "index", None) else settings.index_dir


def cmd_ask(args: argparse.Namespace) -> int:
    from search.answer.compose import ask
    from search.retrieve.searcher import Searcher

    settings = Settings.from_env()
    searcher = Searcher.open(_index_dir(args, settings))
    llm = None
    if settings.llm_url:
        from search.answer.llm import LLMClient

        llm = LLMClient(settings.llm_url, settings.llm_model)
    answer = ask(searcher, args.question, llm=llm)
    if args.json:
        print(json.dumps(asdict(answer), ensure_ascii=False, indent=2))
        return 0
    restored = searcher.searched_as(args.question)
    if restored:
        print(f"Tìm theo: {restored}")
    print(answer.answer)
    for title, plans in (("", answer.plans), ("Gần đúng (chỉ đáp ứng một phần):", answer.near_matches)):
        if plans and title:
            print(f"\n{title}")
        for plan in plans:
            print(f"\n• {plan.name} — {plan.source}")
            for citation in plan.citations:
                where = ", ".join(x for x in (f"mục {citation.section}" if citation.section else "",
                                              f"trang {citation.page}" if citation.page else "",
                                              ocr_note(citation.ocr_confidence)) if x)
                print(f"  “{' '.join(citation.quote.split())}”" + (f" ({where})" if where else ""))
    return 0


def duty_record(duty: Duty, text: str | None, doc, due=None, passed: bool = False) -> dict:
    """One row of `duties --json`: the duty's fields, its plan, the quoted part of its sentence, its next due date
    ("next_due", ISO or None) and whether that is a one-off date already passed ("due_passed")."""
    record = asdict(duty)
    record["next_due"] = due.isoformat() if due else None
    record["due_passed"] = passed
    if text is not None:
        start, end = duty_quote_span(duty)
        record["quote"] = text[start:end]
    record["source"] = doc.source if doc else None
    record["doc_number"] = doc.doc_number if doc else None
    return record


def select_duties(duties: list[Duty], recipient: str | None, frequency: str | None) -> list[Duty]:
    """Duties to (or via) an agency and/or of a frequency; the agency is matched without diacritics or abbreviations."""
    from search.query.questions import agency_matches

    chosen = []
    for duty in duties:
        if frequency and duty.frequency != frequency:
            continue
        if recipient and not (agency_matches(recipient, duty.recipient) or
                              agency_matches(recipient, duty.intermediary)):
            continue
        chosen.append(duty)
    return chosen


def chosen_duties(reader, recipient: str | None, frequency: str | None, today, hide_passed: bool = False):
    """(duties of the index matching the filters, sorted by next due date as the UI's table, {id(duty): next due
    date or None}); hide_passed leaves out one-off deadlines before `today` (a datetime.date)."""
    from search.duty_view import due_order, is_passed, next_due

    duties = select_duties(reader.duties(), recipient, frequency)
    due = {id(d): next_due(d, today) for d in duties}
    if hide_passed:
        duties = [d for d in duties if not is_passed(due[id(d)], today)]
    duties.sort(key=lambda d: due_order(due[id(d)], today))
    return duties, due


def duty_records(reader, duties: list, due: dict, today, documents: dict | None = None) -> list[dict]:
    """The `tracuu duties --json` rows (also the API's /duties) of duties chosen by chosen_duties."""
    from search.duty_view import is_passed

    documents = documents if documents is not None else {d.doc_id: d for d in reader.documents()}
    texts = {doc_id: reader.document_text(doc_id) for doc_id in {d.doc_id for d in duties}}
    return [duty_record(d, texts[d.doc_id], documents.get(d.doc_id), due[id(d)], is_passed(due[id(d)], today))
            for d in duties]


def cmd_duties(args: argparse.Namespace) -> int:
    from datetime import date

    from indexer.store.reader import IndexReader
    from search.answer.calendar import duties_to_ics, in_calendar
    from search.duty_view import due_label

    settings = Settings.from_env()
    today = getattr(args, "today", None) or date.today()
    reader = IndexReader.open(_index_dir(args, settings))
    try:
        documents = {d.doc_id: d for d in reader.documents()}
        duties, due = chosen_duties(reader, args.recipient, args.frequency, today, getattr(args, "hide_passed", False))
        if args.ics:
            calendar_duties = [d for d in duties if in_calendar(d, today)]  # one-off deadlines already past: not kept
            Path(args.ics).write_bytes(duties_to_ics(calendar_duties, documents, today=today))
            print(f"Đã ghi {len(calendar_duties)} thời hạn vào {args.ics} (không gồm thời hạn một lần đã qua).",
                  file=sys.stderr)
        if args.json:
            print(json.dumps(duty_records(reader, duties, due, today, documents), ensure_ascii=False, indent=2))
            return 0
        if args.ics:
            return 0
        if not duties:
            print("Không có nhiệm vụ nào khớp điều kiện.")
            return 0
        for duty in duties:
            doc = documents.get(duty.doc_id)
            plan = plan_name(doc.doc_number, doc.title, doc.date, doc.doc_type, doc.source, 80) if doc else duty.doc_id
            parts = [duty.action]
            if duty.object:
                parts.append(duty.object)
            if duty.recipient:
                parts.append(f"→ {duty.recipient}")
            if duty.intermediary:
                parts.append(f"(qua {duty.intermediary})")
            label = due_label(due[id(duty)], today)
            label = label if not label or label.startswith("đã qua") else f"hạn kế tiếp {label}"
            when = ", ".join(x for x in (_FREQUENCY_NAMES.get(duty.frequency or ""), duty.deadline, label) if x)
            print(f"• {plan}, mục {duty.section or '—'}: {' '.join(parts)}" + (f" [{when}]" if when else ""))
            if duty.actor:
                print(f"  thực hiện: {duty.actor}")
        return 0
    finally:
        reader.close()
