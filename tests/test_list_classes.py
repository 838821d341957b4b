"""List questions, issue 13 third stop: an agency written with or without optional words ("Báo và Đài Phát thanh,
Truyền hình"), the task given to an agency read under the plan's trích yếu, the "Nơi nhận" list is not a task,
alternatives in a topic ("hợp nhất hoặc giải thể"), a dated event (its year is the event's; documents naming it at its
date answer whatever their subject)."""
from __future__ import annotations

from pathlib import Path

import pytest

from search.answer.evidence import text_coverage
from search.query.questions import understand

_HEAD = ("ỦY BAN NHÂN DÂN TỈNH AN BÌNH\nSố: {number}\nAn Bình, ngày 05 tháng 01 năm 2026\n\n{kind}\n{title}\n\n")
_END = "\n\nNơi nhận:\n- Sở Nội vụ;\n{extra}- Lưu: VT.\n\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nNguyễn Văn Sơn\n"
FILES = {
    # The press is given its task in the body, written with "Đài"; the trích yếu says "cải cách hành chính", the
    # passage only "CCHC".
    "kh-thi-dua.txt": _HEAD.format(number="10/KH-UBND", kind="KẾ HOẠCH",
                                   title="Phát động phong trào thi đua đẩy mạnh cải cách hành chính năm 2026")
    + "I. MỤC ĐÍCH\nKhuyến khích các cơ quan thi đua.\n\nII. TỔ CHỨC THỰC HIỆN\n1. Sở Nội vụ theo dõi phong trào.\n"
      "2. Báo và Đài Phát thanh, Truyền hình An Bình tăng cường công tác tuyên truyền phong trào thi đua đẩy mạnh "
      "CCHC năm 2026." + _END.format(extra=""),
    # The press only gets a copy (Nơi nhận); the propaganda task is the Sở Nội vụ's.
    "kh-cchc.txt": _HEAD.format(number="11/KH-UBND", kind="KẾ HOẠCH", title="Cải cách hành chính năm 2026")
    + "I. MỤC ĐÍCH\nNâng cao chỉ số cải cách hành chính.\n\nII. TỔ CHỨC THỰC HIỆN\n1. Sở Nội vụ chủ trì.\n"
      "2. Các cơ quan báo chí tăng cường tuyên truyền về CCHC.\n" + _END.format(extra="- Báo và Phát thanh, Truyền hình An Bình;\n"),
    # Alternatives in the topic: merging or dissolving associations or bar associations.
    "qd-hop-nhat.txt": _HEAD.format(number="20/QĐ-UBND", kind="QUYẾT ĐỊNH",
                                    title="Về việc cho phép hợp nhất, đổi tên các Hội có tính chất đặc thù")
    + "Điều 1. Cho phép hợp nhất Hội Văn học và Hội Nghệ thuật thành Hội Văn học Nghệ thuật." + _END.format(extra=""),
    "qd-giai-the.txt": _HEAD.format(number="21/QĐ-UBND", kind="QUYẾT ĐỊNH",
                                    title="Về việc giải thể Hiệp hội Rau quả An Bình")
    + "Điều 1. Giải thể Hiệp hội Rau quả An Bình." + _END.format(extra=""),
    "qd-luat-su.txt": _HEAD.format(number="22/QĐ-UBND", kind="QUYẾT ĐỊNH",
                                   title="Về việc cho phép hợp nhất Đoàn Luật sư tỉnh An Bình và Đoàn Luật sư tỉnh "
                                         "Bắc Sơn")
    + "Điều 1. Cho phép hợp nhất hai Đoàn Luật sư." + _END.format(extra=""),
    # Neither merges nor dissolves: an association's charter, and a council set up.
    "qd-dieu-le.txt": _HEAD.format(number="23/QĐ-UBND", kind="QUYẾT ĐỊNH",
                                   title="Về việc phê duyệt điều lệ Hội Cựu giáo chức tỉnh")
    + "Điều 1. Phê duyệt điều lệ Hội Cựu giáo chức." + _END.format(extra=""),
    "qd-hoi-dong.txt": _HEAD.format(number="24/QĐ-UBND", kind="QUYẾT ĐỊNH",
                                    title="Về việc giải thể Hội đồng thẩm định đề án")
    + "Điều 1. Giải thể Hội đồng thẩm định." + _END.format(extra=""),
    # A dated event: the conclusions name the year of the work reviewed, the quarterly report only its own quarter;
    # another report names the same kind of conference on another day.
    "tb-ket-luan.txt": _HEAD.format(number="30/TB-UBND", kind="THÔNG BÁO",
                                    title="Kết luận tại Hội nghị đánh giá công tác cải cách hành chính năm 2025")
    + "Ngày 22/01/2026, Ủy ban nhân dân tỉnh tổ chức Hội nghị đánh giá công tác cải cách hành chính năm 2025."
    + _END.format(extra=""),
    "bc-quy-1.txt": _HEAD.format(number="31/BC-UBND", kind="BÁO CÁO",
                                 title="Công tác cải cách hành chính quý I năm 2026")
    + "I. KẾT QUẢ\n" + "Các cơ quan đã hoàn thành kế hoạch quý, giải quyết hồ sơ đúng hạn. " * 15
    + "\n\nII. CÁC HOẠT ĐỘNG\nNgày 22/01/2026, Tỉnh đã tổ chức "
      "Hội nghị đánh giá công tác cải cách hành chính năm 2025 và triển khai nhiệm vụ năm 2026." + _END.format(extra=""),
    "bc-xa.txt": _HEAD.format(number="32/BC-UBND", kind="BÁO CÁO", title="Công tác cải cách hành chính cấp xã quý I "
                                                                          "năm 2026")
    + "I. KẾT QUẢ\nCác xã đã hoàn thành kế hoạch quý.\n\nII. CÁC HOẠT ĐỘNG\nNgày 15/03/2026, các xã tổ chức Hội nghị "
      "đánh giá công tác cải cách hành chính năm 2025." + _END.format(extra=""),
    # A tờ trình carrying the draft plan it submits, headed as issued; another only names the plan it submits.
    "ttr-ma-tuy.txt": _HEAD.format(number="5/TTr-CAT", kind="TỜ TRÌNH",
                                   title="Về việc ban hành kế hoạch phòng, chống ma túy năm 2026")
    + "Công an tỉnh kính trình Ủy ban nhân dân tỉnh dự thảo kế hoạch (kèm theo).\n\nGIÁM ĐỐC\n\nLê Văn Tâm\n\n"
      "ỦY BAN NHÂN DÂN TỈNH AN BÌNH\nSố: /KH-UBND\nKẾ HOẠCH\nPhòng, chống ma túy năm 2026\n\nI. MỤC ĐÍCH\n"
      "Kiềm chế, làm giảm tội phạm ma túy." + _END.format(extra=""),
    "ttr-cchc.txt": _HEAD.format(number="6/TTr-SNV", kind="TỜ TRÌNH",
                                 title="Về việc ban hành Kế hoạch cải cách hành chính năm 2026")
    + "Sở Nội vụ kính trình Ủy ban nhân dân tỉnh ban hành Kế hoạch số 11/KH-UBND về cải cách hành chính."
    + _END.format(extra=""),
    # Papers given at one conference: the question names the conference, then what the papers discuss.
    "tl-xa.txt": "THAM LUẬN\nGiải pháp xây dựng xã, phường không ma túy\nUBND tỉnh An Bình\n\nKính thưa Hội nghị!\n"
                 "Tỉnh đã xây dựng 20 xã, phường không ma túy.\n",
    "tl-cai-nghien.txt": "THAM LUẬN\nNâng cấp cơ sở cai nghiện ma túy trong Chương trình mục tiêu quốc gia phòng, chống "
                         "ma túy\nUBND tỉnh Bắc Sơn\n\nKính thưa Hội nghị triển khai Chương trình mục tiêu quốc gia "
                         "phòng, chống ma túy!\nTỉnh đã nâng cấp cơ sở cai nghiện, hỗ trợ xã, phường.\n",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    from indexer.build import build_index
    from search import Searcher

    root = tmp_path_factory.mktemp("list-classes")
    (root / "corpus").mkdir()
    for name, text in FILES.items():
        (root / "corpus" / name).write_text(text, encoding="utf-8")
    build_index([root / "corpus"], root / "index", dense=False)
    return Searcher.open(root / "index")


def _plans(searcher, question: str) -> set[str]:
    return {Path(p.source).name for p in searcher.ask(question).plans}


@pytest.mark.parametrize("asked, written, ok", [
    ("Báo và Phát thanh, Truyền hình tỉnh", "Báo và Đài Phát thanh, Truyền hình Lâm Đồng tuyên truyền", True),
    ("Báo và Đài Phát thanh, Truyền hình tỉnh", "Báo và Phát thanh, Truyền hình Lâm Đồng tuyên truyền", True),
    ("Đài Phát thanh và Truyền hình tỉnh", "Đài Phát thanh - Truyền hình tỉnh đưa tin", True),
    ("Báo và Phát thanh, Truyền hình tỉnh", "Báo Nhân Dân và Đài Truyền hình Việt Nam đưa tin", False),
])
def test_an_agency_is_matched_with_or_without_its_optional_words(asked, written, ok):
    q = understand(f"Những kế hoạch nào giao {asked} chủ trì tuyên truyền?")
    [agency] = [c for c in q.concepts if c.required]
    assert text_coverage((agency,), written)[0] is ok


def test_the_task_is_read_under_the_trich_yeu_and_a_copy_is_not_a_task(searcher):
    question = ("Những kế hoạch cải cách hành chính nào giao Báo và Phát thanh, Truyền hình tỉnh làm nhiệm vụ "
                "tuyên truyền?")
    assert _plans(searcher, question) == {"kh-thi-dua.txt"}


@pytest.mark.parametrize("question, alternatives", [
    ("Những quyết định nào về hợp nhất hoặc giải thể hội, đoàn luật sư?",
     [("hop nhat", "giai the"), ("hoi", "doan luat su")]),
    ("Những quyết định nào về hợp nhất hay giải thể hội?", [("hop nhat", "giai the"), ("hoi",)]),
    # no disjunction: a comma inside one term stays as it is, "hay không" is no alternative
    ("Những văn bản nào về an toàn, vệ sinh lao động?",
     [("an",), ("toan",), ("ve",), ("sinh",), ("lao",), ("dong",)]),
    ("Kế hoạch năm 2026 có giao Sở Nội vụ tuyên truyền hay không?", [("tuyen",), ("truyen",)]),
])
def test_a_disjunction_in_the_topic_is_one_concept_with_alternatives(question, alternatives):
    q = understand(question)
    assert [c.alternatives for c in q.concepts if not c.required] == alternatives


def test_a_document_about_either_side_of_a_disjunction_answers(searcher):
    got = _plans(searcher, "Những quyết định nào về hợp nhất hoặc giải thể hội, đoàn luật sư?")
    # not the charter (neither merges nor dissolves) nor the council ("Hội đồng" is no association)
    assert got == {"qd-hop-nhat.txt", "qd-giai-the.txt", "qd-luat-su.txt"}


def test_a_year_beside_a_dated_event_is_the_events_not_the_documents():
    q = understand("Những văn bản nào về Hội nghị đánh giá công tác cải cách hành chính năm 2025 tổ chức ngày "
                   "22/01/2026?")
    assert q.year is None and ("nam 2025",) in [c.alternatives for c in q.concepts if c.required]
    # the year of the date alone stays a document constraint, as without an event
    assert understand("Những văn bản nào nêu thời điểm kết thúc nhận hồ sơ là ngày 01/02/2026?").year == 2026
    assert understand("Những văn bản nào về cải cách hành chính năm 2025?").year == 2025


def test_the_documents_naming_a_dated_event_answer_whatever_their_subject(searcher):
    got = _plans(searcher, "Những văn bản nào về Hội nghị đánh giá công tác cải cách hành chính năm 2025 tổ chức "
                           "ngày 22/01/2026?")
    # the quarterly report was issued in 2026 and is about the quarter, but names the conference at its date
    assert got == {"tb-ket-luan.txt", "bc-quy-1.txt"}


def test_a_document_carrying_a_plan_under_its_own_header_is_a_plan_too(searcher):
    assert _plans(searcher, "Các kế hoạch phòng, chống ma túy") == {"ttr-ma-tuy.txt"}
    got = _plans(searcher, "Các kế hoạch về cải cách hành chính năm 2026")
    assert "kh-cchc.txt" in got and "ttr-cchc.txt" not in got  # it only names the plan it submits
    assert _plans(searcher, "Các tờ trình về phòng, chống ma túy") == {"ttr-ma-tuy.txt"}


def test_where_the_documents_were_given_is_not_what_they_discuss(searcher):
    question = ("Những tham luận nào tại Hội nghị triển khai Chương trình MTQG phòng, chống ma túy bàn về xây dựng xã, "
                "phường không ma túy?")
    assert [c.label for c in understand(question).concepts] == ["xây", "dựng", "xã", "phường", "ma", "túy"]
    assert _plans(searcher, question) == {"tl-xa.txt"}


def test_an_unmarked_word_in_a_question_with_diacritics_is_meant_as_written():
    assert [c.label for c in understand("Các kế hoạch phòng, chống ma túy").concepts] == ["phòng", "chống", "ma", "túy"]
    # typed without diacritics, "ma" may be "mà" and stays out
    assert [c.label for c in understand("cac ke hoach phong chong ma tuy").concepts] == ["phong", "chong", "tuy"]
