"""A draft's number read from the documents that cite it ("which number / date does plan X have")."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import lexical_searcher

from search.query.intents import detect_intent
from search.query.parse import QueryUnderstanding
from search.retrieve.citations import best_citation

QUESTION = "Kế hoạch kiểm tra công tác cải cách hành chính năm 2026 của UBND tỉnh Lâm Đồng có số hiệu gì?"


def test_the_citation_naming_the_asked_plan_wins_over_other_citations() -> None:
    texts = [
        # the draft's own basis: a citation of ANOTHER plan, sharing most of the words
        "Thực hiện Kế hoạch số 9669/KH-UBND ngày 24/12/2025 của UBND tỉnh về việc ban hành Kế hoạch cải cách hành "
        "chính nhà nước năm 2026 của tỉnh Lâm Đồng; UBND tỉnh ban hành Kế hoạch kiểm tra như sau.",
        "Nội dung không trích dẫn văn bản nào về kiểm tra cải cách hành chính năm 2026 ở Lâm Đồng.",
        "Ủy ban nhân dân tỉnh ban hành Kế hoạch số 962/KH-UBND ngày 21/01/2026 về kiểm tra công tác cải cách hành "
        "chính năm 2026 trên địa bàn tỉnh Lâm Đồng. Theo Kế hoạch, Sở Nội vụ chủ trì.",
    ]
    assert best_citation(QUESTION, texts) == 2


def test_a_blank_number_is_not_a_citation() -> None:
    texts = ["Kèm theo Kế hoạch số /KH-UBND ngày /01/2026 về kiểm tra công tác cải cách hành chính năm 2026 tỉnh "
             "Lâm Đồng."]
    assert best_citation(QUESTION, texts) is None


def test_too_few_naming_words_is_no_answer() -> None:
    texts = ["Thực hiện Kế hoạch số 15/KH-UBND ngày 02/01/2026 về phòng, chống thiên tai năm 2026."]
    assert best_citation(QUESTION, texts) is None


def test_the_asked_type_beats_a_longer_clause_of_another_type() -> None:
    question = "Báo cáo công tác cải cách hành chính năm 2025 và phương hướng năm 2026 của tỉnh Lâm Đồng có số nào?"
    texts = [
        # a Công văn whose clause runs on and happens to hold every word
        "Công văn số 4625/BNV-CCHC ngày 02/7/2025 của Bộ Nội vụ về xây dựng kế hoạch cải cách hành chính, Ủy ban "
        "nhân dân tỉnh Lâm Đồng báo cáo công tác năm 2025, phương hướng năm 2026",
        "Báo cáo số 329/BC-UBND ngày 19/12/2025 của UBND tỉnh về công tác cải cách hành chính nhà nước năm 2025 và "
        "phương hướng, nhiệm vụ năm 2026 tỉnh Lâm Đồng.",
    ]
    assert best_citation(question, texts) == 1


@pytest.mark.parametrize("question", [
    "Báo cáo công tác cải cách hành chính năm 2025 đã ban hành có số, ngày nào?",
    "Kế hoạch tuyên truyền năm 2026 mang số hiệu nào?",
    "Quyết định thành lập tổ công tác số mấy?",
])
def test_number_and_date_wordings_ask_for_the_header(question: str) -> None:
    parsed = QueryUnderstanding().parse(question)
    assert parsed.intent == "issued", detect_intent(question.split())


DRAFT = """ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: /KH-UBND
Lâm Đồng, ngày tháng năm 2026

KẾ HOẠCH
Kiểm tra công tác cải cách hành chính năm 2026 trên địa bàn tỉnh Lâm Đồng

I. MỤC ĐÍCH, YÊU CẦU
1. Đánh giá việc thực hiện nhiệm vụ cải cách hành chính của các cơ quan, đơn vị năm 2026.
II. NỘI DUNG KIỂM TRA
1. Công tác chỉ đạo, điều hành cải cách hành chính; kiểm tra tại Sở Y tế, Sở Xây dựng và xã Đắk Song.
"""

REPORT = """ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 88/BC-UBND
Lâm Đồng, ngày 25 tháng 3 năm 2026

BÁO CÁO
Kết quả công tác cải cách hành chính quý I năm 2026

I. KẾT QUẢ
1. Công tác chỉ đạo
Ủy ban nhân dân tỉnh đã ban hành nhiều văn bản chỉ đạo về tuyên truyền và thi đua.
2. Về công tác kiểm tra
Ủy ban nhân dân tỉnh ban hành Kế hoạch số 962/KH-UBND ngày 21/01/2026 về kiểm tra công tác cải cách hành chính
năm 2026 trên địa bàn tỉnh Lâm Đồng. Theo Kế hoạch, Sở Nội vụ chủ trì kiểm tra 20 cơ quan, đơn vị.
"""


def test_which_number_of_a_draft_shows_its_header_and_the_citing_passage(tmp_path: Path) -> None:
    searcher = lexical_searcher(tmp_path, {"du-thao-kiem-tra.txt": DRAFT, "bao-cao-quy-1.txt": REPORT})
    hits = searcher.search(QUESTION, k=3, mode="lexical")
    assert hits[0].source.endswith("du-thao-kiem-tra.txt") and hits[0].doc_number == "/KH-UBND"
    assert hits[1].source.endswith("bao-cao-quy-1.txt") and "962/KH-UBND ngày 21/01/2026" in hits[1].text.replace(
        "\n", " ")


PLAN_2026 = """ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: /KH-UBND
Lâm Đồng, ngày tháng 12 năm 2025

KẾ HOẠCH
Cải cách hành chính nhà nước năm 2026 tỉnh Lâm Đồng

I. MỤC ĐÍCH, YÊU CẦU
1. Đẩy mạnh cải cách thủ tục hành chính, chuyển đổi số trong các cơ quan nhà nước.
"""

CHECK_PLAN = DRAFT.replace("I. MỤC ĐÍCH, YÊU CẦU", "Thực hiện Kế hoạch số 9669/KH-UBND ngày 24/12/2025 của UBND tỉnh về "
                                                    "việc ban hành Kế hoạch cải cách hành chính nhà nước năm 2026 của "
                                                    "tỉnh Lâm Đồng; UBND tỉnh ban hành Kế hoạch kiểm tra.\n"
                                                    "I. MỤC ĐÍCH, YÊU CẦU")


def test_the_asked_plan_is_the_one_its_title_names_not_the_plan_citing_it(tmp_path: Path) -> None:
    """The check plan's header cites the 2026 plan by number and ranks first; the answer is still about the 2026 plan."""
    searcher = lexical_searcher(tmp_path, {"ke-hoach-kiem-tra.txt": CHECK_PLAN, "ke-hoach-cchc-2026.txt": PLAN_2026})
    answer = searcher.ask("Kế hoạch cải cách hành chính nhà nước năm 2026 của tỉnh Lâm Đồng có số ký hiệu và ngày "
                          "ban hành là gì?")
    assert "Cải cách hành chính nhà nước năm 2026" in answer.answer.split(":")[0], answer.answer
    assert "9669/KH-UBND ngày 24/12/2025" in answer.answer
