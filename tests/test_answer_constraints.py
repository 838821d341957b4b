"""Constraints of a question: which are about the document, which about the content, and the words that say so;
topic lists keep the documents ABOUT the topic (trích yếu) ahead of those that only mention it."""
from __future__ import annotations

import pytest

from indexer.model import DocumentInfo
from search.answer.aboutness import is_about
from search.answer.compose import ask
from search.answer.constraints import applied_constraints, title_years, year_ok
from search.query.questions import understand
from search.retrieve.searcher import Searcher


def _doc(title: str | None, date: str | None, doc_type: str = "Kế hoạch") -> DocumentInfo:
    year = int(date[:4]) if date else None
    return DocumentInfo("d", "x.docx", doc_type, "/KH-UBND", title, None, None, date, year, [], [], [], 1)


def test_years_named_in_a_title_count_periods_too():
    assert title_years("Cải cách hành chính nhà nước giai đoạn 2026 - 2030 của tỉnh Lâm Đồng") == set(range(2026, 2031))
    assert title_years("Tuyên truyền Cải cách hành chính năm 2026") == {2026}
    assert title_years("Triển khai Chỉ thị số 20-CT/TU, ngày 10/10/2024") == set()  # a date of another act
    assert title_years(None) == set()


def test_a_plan_for_next_year_issued_this_year_meets_the_year():
    plan = _doc("Cải cách hành chính nhà nước năm 2026 tỉnh Lâm Đồng", "2025-12")
    assert year_ok(plan, 2026) and year_ok(plan, 2025)
    assert not year_ok(plan, 2024)
    assert year_ok(_doc("Kiểm tra, giám sát công tác bầu cử nhiệm kỳ 2026 - 2031", "2025-11"), 2028)


def test_the_answer_says_which_constraints_it_applied():
    q = understand("Các kế hoạch về cải cách hành chính năm 2026")
    said = applied_constraints(q)
    assert any(s.startswith("loại văn bản: kế hoạch") for s in said)
    assert any("năm 2026" in s and "trích yếu" in s for s in said)
    fact = understand("UBND tỉnh giao cơ quan nào tuyển chọn và gọi công dân nhập ngũ năm 2025?")
    assert any("về nội dung" in s and "không lọc theo năm ban hành" in s for s in applied_constraints(fact, fact=True))
    assert applied_constraints(understand("Sở Nội vụ có nhiệm vụ gì?"), fact=True) == []


@pytest.mark.parametrize("question, doc_type", [
    ("Các tờ trình về cải cách hành chính", "Tờ trình"), ("Những báo cáo nào về phòng, chống ma túy", "Báo cáo"),
    ("Những quyết định thành lập hội đồng", "Quyết định"), ("Các kế hoạch về bầu cử", "Kế hoạch"),
    ("Những văn bản hướng dẫn bầu cử đại biểu HĐND cấp xã", "Hướng dẫn"), ("Những văn bản nào về bầu cử", None),
])
def test_document_types_in_list_questions(question, doc_type):
    q = understand(question)
    assert (q.kind, q.doc_type) == ("list", doc_type)


def test_subject_is_the_title():
    q = understand("Các kế hoạch về cải cách hành chính")
    assert is_about(None, _doc("Tuyên truyền Cải cách hành chính năm 2026", "2026-01"), q, 1.0)
    assert not is_about(None, _doc("Tăng cường công tác phòng, chống ma túy năm 2026", "2026-03"), q, 1.0)


def test_ask_json_and_text_carry_the_constraints(lexical_index_dir):
    answer = ask(Searcher.open(lexical_index_dir), "Kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ năm 2020?")
    assert [p.doc_number for p in answer.plans] == ["80/KH-UBND"]
    assert any("năm 2020" in s for s in answer.constraints)
    assert "Điều kiện đã áp dụng:" in answer.answer and "nơi nhận báo cáo: Sở Nội vụ" in answer.answer


def test_a_plan_is_named_by_number_title_and_date_never_by_a_blank_number_alone():
    from search.ui_support import plan_name

    assert plan_name("80/KH-UBND", "Thực hiện Quy chế dân chủ", "2020-06-26", "Kế hoạch") == \
        "80/KH-UBND “Thực hiện Quy chế dân chủ” (26/6/2020)"
    blank = plan_name("/KH-MTTQ-BTT", "Kiểm tra, giám sát công tác bầu cử", "2025-11", "Kế hoạch")
    assert blank == "Kế hoạch “Kiểm tra, giám sát công tác bầu cử” (số chưa điền /KH-MTTQ-BTT, 11/2025)"
    assert plan_name("/KH-UBND", None, None, "Kế hoạch", "plans/a.docx") == "plans/a.docx (số chưa điền /KH-UBND)"
    assert len(plan_name("1/KH", "từ " * 200, None, limit=50)) < 70


def test_document_type_of_a_document_whose_header_was_not_read():
    from search.answer.constraints import type_ok

    unread = DocumentInfo("d", "x.pdf", None, None, None, None, None, None, None, [], [], [], 1)
    assert type_ok(unread, "Kế hoạch", "BỘ CÔNG AN\nSó: 996 /KH-TCTLNTW-C04 Hà Nội\nKÉ HOẠCH\nPhối hợp kiểm soát")
    assert type_ok(unread, "Quyết định", "ỦY BAN NHÂN DÂN\nQUYẾT ĐỊNH\nVề việc thành lập")
    assert not type_ok(unread, "Kế hoạch", "PHỤ LỤC II\nKết quả Chỉ số cải cách hành chính năm 2025")
    assert not type_ok(unread, "Quyết định", "Só: 996 /KH-TCTLNTW-C04\nThực hiện Quyết định số 7404/QĐ-BCA-C04 ngày")
    assert not type_ok(_doc("Tăng cường", "2026-03", doc_type="Báo cáo"), "Kế hoạch")
    assert type_ok(unread, None)
    guidance = _doc("HƯỚNG DẪN QUY TRÌNH HIỆP THƯƠNG, GIỚI THIỆU NGƯỜI ỨNG CỬ", "2025-09-26", doc_type="Nghị quyết")
    assert type_ok(guidance, "Hướng dẫn") and not type_ok(guidance, "Kế hoạch")


@pytest.mark.parametrize(("number", "shown"), [
    ("/UBND-VP7", "công văn “tuyển chọn và gọi công dân nhập ngũ năm 2025”"),  # a digit inside the symbol is no number
    ("/KH-UBND", "công văn “tuyển chọn và gọi công dân nhập ngũ năm 2025”"),
    ("706/UBND-VP7", "706/UBND-VP7"),
    ("144 /2002/QĐ/BTC", "144 /2002/QĐ/BTC"),
])
def test_a_blank_number_is_never_the_label_of_a_plan(number, shown):
    from search.answer.result import PlanAnswer, plan_label, plan_label_for

    doc = DocumentInfo("d", "706.pdf", "Công văn", number, "tuyển chọn và gọi công dân nhập ngũ năm 2025",
                       "UBND tỉnh", "Ninh Bình", "2024-11", 2024, [], [], [], 3)
    assert plan_label(doc).startswith(shown) and "Ninh Bình, 11/2024" in plan_label(doc)
    plan = PlanAnswer("d", "706.pdf", number, doc.title, doc.issuer, doc.date)
    assert plan_label_for(plan).startswith(shown.split(" “")[0] if "“" not in shown else "“")
