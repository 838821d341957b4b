"""The duties view: next due date from what the plan states, sorting by it, filters by recipient and reporting agency,
and the upload formats the UI accepts."""
from __future__ import annotations

from datetime import date

import pytest

from indexer.duties.extract import analyse_sentence
from indexer.model import DocumentInfo, Duty
from search.duty_view import DUTY_VIEW_COLUMNS, duty_table, filter_duties, next_due
from search.ui_support import ALLOWED_UPLOAD_SUFFIXES, UPLOAD_FORMATS_LABEL

TODAY = date(2026, 5, 20)  # a Wednesday


def _duty(sentence: str, actor: str | None = None, doc_id: str = "d") -> Duty:
    """A Duty built from the extractor's reading of a real-style sentence (no hand-set frequency or deadline)."""
    [c] = analyse_sentence(sentence)
    cut = (lambda span: sentence[span[0]:span[1]] if span else None)
    return Duty(doc_id, "III.1", sentence, 0, len(sentence), actor, c.action, None, cut(c.recipient),
                cut(c.intermediary), c.frequency, cut(c.deadline), c.deadline_date, c.deadline_recurrence, 1)


@pytest.mark.parametrize("sentence, due", [
    ("Các đơn vị gửi báo cáo về Sở Tư pháp chậm nhất ngày 10/12/2025.", date(2025, 12, 10)),
    ("Định kỳ hằng năm báo cáo Sở Nội vụ trước ngày 15 tháng 12.", date(2026, 12, 15)),
    ("Các sở báo cáo UBND tỉnh trước ngày 15/6 và 15/12 hằng năm.", date(2026, 6, 15)),
    ("Các đơn vị gửi báo cáo về Sở Nội vụ trước ngày 20 hằng tháng.", date(2026, 5, 20)),
    ("Công khai kết quả và báo cáo UBND tỉnh chậm nhất vào ngày 05 hằng tháng.", date(2026, 6, 5)),
    ("Hằng quý, gửi báo cáo kết quả về Sở Nội vụ trước ngày 15 của tháng cuối quý.", date(2026, 6, 15)),
    ("Báo cáo quý gửi Sở Nội vụ trước ngày 05 của tháng liền kề.", date(2026, 6, 5)),
    ("Hằng tuần, trước 10 giờ sáng thứ Hai, các phòng gửi báo cáo về Văn phòng UBND huyện.", date(2026, 5, 25)),
    ("Các đơn vị gửi về Công an tỉnh trước 11h00’ ngày thứ 5 hằng tuần để tổng hợp, báo cáo.", date(2026, 5, 21)),
    ("Định kỳ hằng quý báo cáo kết quả về Sở Tài chính.", None),  # no day stated: nothing guessed
])
def test_next_due_date(sentence, due):
    assert next_due(_duty(sentence), TODAY) == due


def test_the_second_yearly_date_after_the_first_has_passed():
    assert next_due(_duty("Các sở báo cáo UBND tỉnh trước ngày 15/6 và 15/12 hằng năm."), date(2026, 7, 1)) == \
        date(2026, 12, 15)


def test_table_is_sorted_by_next_due_and_filtered_by_both_agencies():
    docs = {"d": DocumentInfo("d", "a/kh.docx", "Kế hoạch", "/KH-MTTQ-BTT", "Kiểm tra công tác bầu cử", None, None,
                              "2025-11", 2025, [], [], [], 1)}
    duties = [
        _duty("Định kỳ hằng quý báo cáo kết quả về Sở Tài chính.", "Phòng Tài chính"),
        _duty("Các đơn vị gửi báo cáo về Sở Nội vụ trước ngày 20 hằng tháng.", "UBND huyện"),
        _duty("Định kỳ hàng quý, báo cáo UBND huyện (qua Sở Nội vụ) để tổng hợp.", "UBND xã"),
        _duty("Hằng tuần, trước 10 giờ sáng thứ Hai, các phòng gửi báo cáo về Văn phòng UBND huyện.", "Phòng Nội vụ"),
    ]
    rows = duty_table(duties, docs, TODAY)
    assert tuple(rows[0]) == DUTY_VIEW_COLUMNS
    assert [r["Hạn kế tiếp"] for r in rows] == ["20/05/2026", "25/05/2026", "", ""]
    assert rows[0]["Kế hoạch"] == "Kế hoạch “Kiểm tra công tác bầu cử” (số chưa điền /KH-MTTQ-BTT, 11/2025)"
    assert {r["Gửi đến"] for r in rows} >= {"UBND huyện (qua Sở Nội vụ)"}
    to_snv = filter_duties(duties, recipient="so noi vu")
    assert [d.actor for d in to_snv] == ["UBND huyện", "UBND xã"]
    assert [d.actor for d in filter_duties(duties, recipient="SNV", actor="ubnd xa")] == ["UBND xã"]
    assert filter_duties(duties, actor="Sở Y tế") == []


def test_uploads_accept_every_format_the_indexer_reads():
    for suffix in (".pdf", ".docx", ".doc", ".rtf", ".odt", ".xlsx", ".txt", ".html"):
        assert suffix in ALLOWED_UPLOAD_SUFFIXES
    assert "DOC" in UPLOAD_FORMATS_LABEL.split(", ")


def test_one_off_dates_already_passed_are_marked_and_sorted_last_in_table_and_csv():
    from search.ui_support import rows_to_csv

    today = date(2026, 12, 1)
    duties = [
        _duty("Các đơn vị gửi báo cáo về Sở Tư pháp chậm nhất ngày 31/12/2025.", "Sở Tư pháp"),
        _duty("Định kỳ hằng quý báo cáo kết quả về Sở Tài chính.", "Phòng Tài chính"),
        _duty("Các đơn vị gửi báo cáo về Sở Nội vụ trước ngày 03/02/2026.", "UBND xã"),
        _duty("Các đơn vị gửi báo cáo về Sở Nội vụ trước ngày 20 hằng tháng.", "UBND huyện"),
        _duty("Các đơn vị gửi báo cáo về Sở Y tế chậm nhất ngày 15/01/2027.", "Sở Y tế"),
    ]
    rows = duty_table(duties, {}, today)
    assert [r["Hạn kế tiếp"] for r in rows] == ["20/12/2026", "15/01/2027", "", "đã qua (31/12/2025)",
                                                "đã qua (03/02/2026)"]
    csv_text = rows_to_csv(rows, DUTY_VIEW_COLUMNS).decode("utf-8-sig")
    assert csv_text.index("20/12/2026") < csv_text.index("đã qua (31/12/2025)")
    kept = duty_table(duties, {}, today, hide_passed=True)
    assert [r["Cơ quan thực hiện"] for r in kept] == ["UBND huyện", "Sở Y tế", "Phòng Tài chính"]
    # the day itself is not passed
    assert duty_table(duties, {}, date(2025, 12, 31))[0]["Hạn kế tiếp"] == "31/12/2025"
