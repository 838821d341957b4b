"""Deadlines calendar: duties → .ics that the icalendar package reads back; `tracuu duties` JSON and --ics."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from icalendar import Calendar

from indexer.model import DocumentInfo, Duty
from search.answer.calendar import duties_to_ics, first_occurrence, in_calendar
from search.cli import main


def _duty(**fields) -> Duty:
    base = dict(doc_id="d1", section="III.1", sentence="Gửi báo cáo về Sở Nội vụ.", start=0, end=25, actor=None,
                action="báo cáo", object=None, recipient="Sở Nội vụ", intermediary=None, frequency=None,
                deadline=None, deadline_date=None, deadline_recurrence=None, page=1)
    base.update(fields)
    return Duty(**base)


def _doc(year: int | None = 2020) -> DocumentInfo:
    return DocumentInfo(doc_id="d1", source="a.txt", doc_type="Kế hoạch", doc_number="80/KH-UBND", title="T",
                        issuer="UBND tỉnh", place="Quảng Ngãi", date=f"{year}-06-26" if year else None, year=year,
                        signers=[], recipients=[], references=[], n_chunks=1)


def _events(ics: bytes) -> list:
    return [c for c in Calendar.from_ical(ics).walk("VEVENT")]


def test_one_event_per_dated_deadline_and_yearly_recurrence():
    duties = [
        _duty(frequency="once", deadline="trước ngày 10/7/2020", deadline_date="2020-07-10", start=0),
        _duty(frequency="annual", deadline="trước ngày 15/11 hàng năm", deadline_recurrence="--11-15", start=30),
        _duty(frequency="quarterly", start=60),  # no date: no event
    ]
    stamp = datetime(2024, 1, 1, tzinfo=timezone.utc)
    ics = duties_to_ics(duties, [_doc()], stamp=stamp, today=date(2020, 1, 1))
    events = _events(ics)
    assert len(events) == 2
    once, yearly = sorted(events, key=lambda e: e.decoded("dtstart"))
    assert once.decoded("dtstart") == date(2020, 7, 10) and "RRULE" not in once
    assert yearly.decoded("dtstart") == date(2020, 11, 15)
    assert yearly["RRULE"]["FREQ"] == ["YEARLY"]
    assert "80/KH-UBND" in str(yearly["SUMMARY"])
    # Same duties, same UIDs: re-importing updates events instead of duplicating them.
    again = duties_to_ics(duties, {"d1": _doc()}, stamp=stamp, today=date(2020, 1, 1))
    assert [e["UID"] for e in _events(again)] == [e["UID"] for e in events]


def test_one_off_deadlines_already_past_are_left_out_yearly_ones_stay():
    duties = [_duty(frequency="once", deadline="trước ngày 10/7/2020", deadline_date="2020-07-10", start=0),
              _duty(frequency="annual", deadline="trước ngày 15/11 hàng năm", deadline_recurrence="--11-15", start=30)]
    assert [in_calendar(d, date(2020, 7, 10)) for d in duties] == [True, True]  # due today: still ahead
    assert [in_calendar(d, date(2020, 7, 11)) for d in duties] == [False, True]
    [yearly] = _events(duties_to_ics(duties, [_doc()], today=date(2021, 1, 1)))
    assert yearly["RRULE"]["FREQ"] == ["YEARLY"]


def test_yearly_deadline_of_an_undated_plan_starts_this_year():
    duty = _duty(deadline_recurrence="--02-29", frequency="annual", deadline="trước ngày 29/2 hằng năm")
    assert first_occurrence(duty, _doc(None), today=date(2023, 5, 1)) == date(2023, 2, 28)
    assert first_occurrence(_duty(), _doc()) is None


def test_duties_command_json_and_ics_on_the_seeds(lexical_index_dir, tmp_path, capsys):
    assert main(["duties", "--index", str(lexical_index_dir), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)

    def has(**wanted) -> bool:
        return any(all(row[k] == v for k, v in wanted.items()) for row in rows)

    assert has(doc_number="80/KH-UBND", frequency="quarterly", recipient="UBND tỉnh", intermediary="Sở Nội vụ")
    assert has(doc_number="80/KH-UBND", action="đăng ký", deadline_date="2020-07-10")
    assert has(doc_number="80/KH-UBND", action="tự đánh giá", deadline_recurrence="--11-15")
    assert has(source="004_ca09a627ff227fa6.txt", frequency="semiannual", deadline_date="2023-05-10")
    assert has(source="004_ca09a627ff227fa6.txt", frequency="annual", deadline_date="2023-10-30")
    assert all(row["quote"] in row["sentence"] for row in rows)

    assert main(["duties", "--index", str(lexical_index_dir), "--to", "so noi vu", "--frequency", "quarterly",
                 "--json"]) == 0
    [only] = json.loads(capsys.readouterr().out)
    assert only["section"] == "II.9"

    ics_path = tmp_path / "han.ics"
    assert main(["duties", "--index", str(lexical_index_dir), "--ics", str(ics_path), "--today", "2020-01-01"]) == 0
    events = _events(ics_path.read_bytes())
    starts = {e.decoded("dtstart"): e for e in events}
    assert {date(2020, 7, 10), date(2020, 11, 15), date(2023, 5, 10), date(2023, 10, 30)} <= set(starts)
    assert main(["duties", "--index", str(lexical_index_dir), "--ics", str(ics_path), "--today", "2023-06-01"]) == 0
    later = {e.decoded("dtstart") for e in _events(ics_path.read_bytes())}
    assert date(2020, 11, 15) in later and date(2023, 10, 30) in later  # yearly, and one-off still ahead
    assert date(2020, 7, 10) not in later and date(2023, 5, 10) not in later  # one-off, already past
    assert starts[date(2020, 11, 15)]["RRULE"]["FREQ"] == ["YEARLY"]
    assert "RRULE" not in starts[date(2023, 5, 10)]
    assert "thời hạn" in capsys.readouterr().err


def test_duties_command_human_output(lexical_index_dir, capsys):
    assert main(["duties", "--index", str(lexical_index_dir), "--frequency", "semiannual"]) == 0
    out = capsys.readouterr().out
    assert "trước ngày 10/5/2023" in out and "giao ban" in out


def test_duties_command_marks_passed_one_off_dates_and_sorts_them_last(lexical_index_dir, capsys):
    assert main(["duties", "--index", str(lexical_index_dir), "--today", "2023-06-01", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_date = {row["deadline_date"]: row for row in rows if row["deadline_date"]}
    assert by_date["2023-10-30"]["next_due"] == "2023-10-30" and not by_date["2023-10-30"]["due_passed"]
    assert by_date["2020-07-10"]["due_passed"] and by_date["2023-05-10"]["due_passed"]
    passed = [row["due_passed"] for row in rows]
    assert passed == sorted(passed) and any(passed)  # every passed one after every other
    assert main(["duties", "--index", str(lexical_index_dir), "--today", "2023-06-01"]) == 0
    out = capsys.readouterr().out
    assert "đã qua (10/05/2023)" in out and "hạn kế tiếp 30/10/2023" in out
    assert out.index("hạn kế tiếp 30/10/2023") < out.index("đã qua (10/05/2023)")
    assert main(["duties", "--index", str(lexical_index_dir), "--today", "2023-06-01", "--hide-passed"]) == 0
    hidden = capsys.readouterr().out
    assert "đã qua" not in hidden and "hạn kế tiếp 30/10/2023" in hidden
