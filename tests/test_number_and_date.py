""""Kế hoạch X số mấy, ngày nào?": a blank number or date in the archived copy is said, and the number and date under
which another document cites it are the answer."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import lexical_searcher

from indexer.text.vntext import key_loose
from search.answer.meta import asks_number_or_date

FILES = {
    "kh-kiem-tra.txt": "ỦY BAN NHÂN DÂN TỈNH AN BÌNH\n\nSố: /KH-UBND\n\nAn Bình, ngày tháng 01 năm 2026\n\nKẾ HOẠCH\n"
    "Kiểm tra công tác cải cách hành chính năm 2026 trên địa bàn tỉnh An Bình\n\nI. MỤC ĐÍCH\n"
    "Đánh giá việc thực hiện nhiệm vụ cải cách hành chính của các sở, ngành.\n",
    "bc-quy-1.txt": "ỦY BAN NHÂN DÂN TỈNH AN BÌNH\n\nSố: 55/BC-UBND\n\nAn Bình, ngày 30 tháng 3 năm 2026\n\nBÁO CÁO\n"
    "Công tác quý I năm 2026\n\nI. KẾT QUẢ\nỦy ban nhân dân tỉnh ban hành Kế hoạch số 100/KH-UBND ngày 02/02/2026 về "
    "trồng cây xanh năm 2026; Kế hoạch số 962/KH-UBND ngày 21/01/2026 về kiểm tra công tác cải cách hành chính năm "
    "2026 trên địa bàn tỉnh An Bình. Theo Kế hoạch, Sở Nội vụ kiểm tra 29 cơ quan.\n",
    "kh-cay-xanh.txt": "ỦY BAN NHÂN DÂN TỈNH AN BÌNH\n\nSố: 30/KH-UBND\n\nAn Bình, ngày 10 tháng 11 năm 2024\n\n"
    "KẾ HOẠCH\nTrồng cây xanh năm 2025\n\nI. MỤC ĐÍCH\nPhát động phong trào trồng cây xanh.\n",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    return lexical_searcher(tmp_path_factory.mktemp("meta"), FILES)


def test_a_blank_number_is_said_and_the_citing_document_answers(searcher):
    answer = searcher.ask("Kế hoạch kiểm tra công tác cải cách hành chính năm 2026 số mấy, ngày nào?")
    assert "chưa điền số" in answer.answer and "chưa ghi ngày" in answer.answer
    assert [Path(p.source).name for p in answer.plans] == ["bc-quy-1.txt", "kh-kiem-tra.txt"]
    # the citation of this plan, not the one before it in the same sentence
    assert answer.plans[0].citations[0].quote.startswith("Kế hoạch số 962/KH-UBND ngày 21/01/2026")


def test_a_filled_number_is_given(searcher):
    answer = searcher.ask("Kế hoạch trồng cây xanh năm 2025 có số hiệu gì?")
    assert "số ký hiệu 30/KH-UBND" in answer.answer
    assert [Path(p.source).name for p in answer.plans] == ["kh-cay-xanh.txt"]
    assert answer.plans[0].citations[0].quote == "Số: 30/KH-UBND"


@pytest.mark.parametrize("question, asks", [
    ("Kế hoạch X số mấy, ngày nào?", (True, True)),
    ("Báo cáo X đã ban hành có số, ngày nào?", (True, True)),
    ("Kế hoạch X được ban hành với số hiệu nào?", (True, False)),
    ("Quyết định X ban hành ngày nào?", (False, True)),
    ("Hội nghị được tổ chức vào ngày nào?", (False, False)),  # an event's date, not the document's
    ("Cơ sở cai nghiện có công suất bao nhiêu?", (False, False)),
    ("Cơ quan nào dẫn đầu chỉ số nào?", (False, False)),
])
def test_which_questions_ask_the_documents_number_or_date(question, asks):
    assert asks_number_or_date(key_loose(question)) == asks
