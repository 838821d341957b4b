"""List questions whose constraints are about the documents: issuer named unit-first, place, signer, type alone,
English type words and issuers, English words the glossary does not know."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import lexical_searcher

from indexer.model import DocumentInfo
from search.answer.aboutness import subject_text
from search.answer.constraints import issuer_ok, place_ok
from search.query.english import english_list_type
from search.query.questions import understand

_HEADER = ("ỦY BAN NHÂN DÂN TỈNH {place}\n{unit}\nSố: {number}\n{subject_line}\n"
           "{place_title}, ngày 05 tháng 12 năm 2024\n\n")
FILES = {
    "vp-an-binh.txt": _HEADER.format(place="AN BÌNH", unit="VĂN PHÒNG", number="12/VP-KSTTHC",
                                     subject_line="V/v đôn đốc cập nhật thủ tục hành chính", place_title="An Bình")
    + "Kính gửi: Các sở, ban, ngành tỉnh.\n\nVăn phòng UBND tỉnh đề nghị cập nhật thủ tục hành chính.\n\n"
      "KT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH VĂN PHÒNG\n\nLê Văn Hùng\n",
    "kh-an-binh.txt": _HEADER.format(place="AN BÌNH", unit="", number="30/KH-UBND", subject_line="",
                                     place_title="An Bình")
    + "KẾ HOẠCH\nTrồng cây xanh năm 2025\n\nI. MỤC ĐÍCH\nPhát động phong trào trồng cây xanh trên địa bàn tỉnh.\n\n"
      "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nNguyễn Văn Sơn\n",
    # Another province's plan on the same topic whose text names An Bình: not a plan "of An Bình".
    "kh-bac-son.txt": _HEADER.format(place="BẮC SƠN", unit="", number="41/KH-UBND", subject_line="",
                                     place_title="Bắc Sơn")
    + "KẾ HOẠCH\nTrồng cây xanh năm 2025\n\nI. MỤC ĐÍCH\nHọc tập kinh nghiệm trồng cây xanh của tỉnh An Bình.\n\n"
      "CHỦ TỊCH\n\nTrần Văn Bình\n",
    "cv-bo-noi-vu.txt": "BỘ NỘI VỤ\n\nSố: 100/BNV-CCHC\nV/v hướng dẫn đánh giá chỉ số cải cách hành chính\n\n"
    "Hà Nội, ngày 01 tháng 12 năm 2025\n\nKính gửi: Ủy ban nhân dân các tỉnh.\n\n"
    "Bộ Nội vụ hướng dẫn đánh giá Chỉ số cải cách hành chính năm 2025.\n\nKT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\n\nPhạm Văn An\n",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    return lexical_searcher(tmp_path_factory.mktemp("lists"), FILES)


def _answer(searcher, question: str) -> tuple[set[str], str]:
    answer = searcher.ask(question)
    return {Path(p.source).name for p in answer.plans}, answer.answer


@pytest.mark.parametrize("question", ["Những công văn nào của Văn phòng UBND tỉnh An Bình?",
                                      "cac cong van cua Van phong UBND tinh An Binh"])
def test_an_issuer_named_unit_first_matches_a_header_that_names_the_body_first(searcher, question):
    got, text = _answer(searcher, question)
    assert got == {"vp-an-binh.txt"}
    assert "cơ quan ban hành" in text


@pytest.mark.parametrize("question", ["Các kế hoạch của tỉnh An Bình", "cac ke hoach cua tinh An Binh",
                                      "Các kế hoạch trồng cây xanh của tỉnh An Bình"])
def test_a_place_is_a_constraint_on_the_document_not_a_topic(searcher, question):
    got, text = _answer(searcher, question)
    assert got == {"kh-an-binh.txt"}  # the Bắc Sơn plan only names An Bình in its text
    assert "nơi ban hành" in text


def test_a_type_and_issuer_alone_list_every_matching_document(searcher):
    got, _ = _answer(searcher, "cac cong van cua Bo Noi vu")
    assert got == {"cv-bo-noi-vu.txt"}
    got, _ = _answer(searcher, "Các kế hoạch của UBND tỉnh Bắc Sơn")
    assert got == {"kh-bac-son.txt"}


def test_a_signer_is_a_constraint_on_the_document(searcher):
    got, text = _answer(searcher, "Những kế hoạch nào do Phó Chủ tịch Nguyễn Văn Sơn ký?")
    assert got == {"kh-an-binh.txt"}
    assert "người ký: Nguyễn Văn Sơn" in text


def test_english_type_words_and_issuers(searcher):
    assert _answer(searcher, "Which official letters did the Ministry of Home Affairs send?")[0] == {"cv-bo-noi-vu.txt"}
    assert _answer(searcher, "Which plan is about planting trees?")[0] == {"kh-an-binh.txt", "kh-bac-son.txt"}


def test_english_words_the_glossary_does_not_know_are_said_not_dropped(searcher):
    got, text = _answer(searcher, "Which plans are about zebra migration?")
    assert got == set()  # not "every plan": the topic was not understood
    assert "zebra" in text and "migration" in text


@pytest.mark.parametrize("asked, issuer, ok", [
    ("Văn phòng UBND tỉnh Bình Thuận", "UBND TỈNH BÌNH THUẬN VĂN PHÒNG", True),
    ("Ban Chỉ đạo tỉnh Lâm Đồng", "UBND TỈNH LÂM ĐỒNG BAN CHỈ ĐẠO PHÁT TRIỂN KHOA HỌC", True),
    ("Chủ tịch UBND tỉnh Lâm Đồng", "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG", True),
    ("Ban Chỉ đạo tỉnh Lâm Đồng", "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG", False),
    ("Văn phòng UBND tỉnh Bình Thuận", "UBND TỈNH LÂM ĐỒNG VĂN PHÒNG", False),
    ("Thủ tướng Chính phủ", "CHÍNH PHỦ; ỦY BAN THƯỜNG VỤ QUỐC HỘI", False),
])
def test_issuer_runs(asked, issuer, ok):
    assert issuer_ok(asked, issuer) is ok


def test_place_and_signer_understood():
    q = understand("Những văn bản của tỉnh Bình Thuận về hội", known_places=["Bình Thuận"])
    assert q.place == "tỉnh Bình Thuận" and [c.label for c in q.concepts] == ["hội"]
    q = understand("cac ke hoach cua phuong Bac Cam Ranh", known_places=["Bắc Cam Ranh"])
    assert q.place and q.concepts == ()
    q = understand("Những quyết định nào do Phó Chủ tịch Nguyễn Cao Sơn ký?")
    assert q.signer == "Nguyễn Cao Sơn" and q.concepts == ()
    q = understand("Những văn bản nào liên quan đến hội nghị của tỉnh Bình Thuận?")
    assert q.kind == "list"


def test_place_of_a_document():
    def doc(place, issuer):
        return DocumentInfo("d", "x.pdf", None, None, None, issuer, place, None, None, [], [], [], 1)
    assert place_ok(doc("Lâm Đông", None), "tỉnh Lâm Đồng")  # OCR lost a diacritic
    assert place_ok(doc(None, "UBND TỈNH BÌNH THUẬN VĂN PHÒNG"), "Bình Thuận")
    assert not place_ok(doc("Hà Nội", "BỘ NỘI VỤ"), "Lâm Đồng")
    assert place_ok(doc(None, None), "xã Lương Minh", "Hội nghị của xã Lương Minh")  # header not read: its text


@pytest.mark.parametrize("question, doc_type", [("Which reports are about drug prevention?", "Báo cáo"),
                                                ("which official letters mention tourism", "Công văn"),
                                                ("which documents mention tourism", ""),
                                                ("Which agency reports to the Department of Home Affairs?", None)])
def test_english_list_types(question, doc_type):
    assert english_list_type(question) == doc_type


def test_the_subject_is_found_when_the_text_breaks_lines_inside_the_trich_yeu():
    class Corpus:
        @staticmethod
        def normalized(_):
            from indexer.model import NormalizedText
            return NormalizedText("Số: 1/BNV\nV/v cập nhật số liệu\nsơ kết\n"
                                  "Thực hiện Chương trình cải cách hành chính.", [])
    doc = DocumentInfo("d", "x.pdf", "Công văn", None, "cập nhật số liệu sơ kết", None, None, None, None, [], [], [], 1)
    assert "cải cách hành chính" in subject_text(Corpus(), doc)


def _about(title: str, question: str) -> bool:
    from search.answer.aboutness import is_about

    class Corpus:
        @staticmethod
        def normalized(_):
            from indexer.model import NormalizedText
            return NormalizedText(f"QUYẾT ĐỊNH\n{title}\n", [])
    doc = DocumentInfo("d", "x.pdf", "Quyết định", None, title, None, None, None, None, [], [], [], 1)
    return is_about(Corpus(), doc, understand(question), 0.75)


@pytest.mark.parametrize("title, question, about", [
    ("Về việc thành lập Hội đồng An toàn, vệ sinh lao động tỉnh", "Những quyết định thành lập hội đồng", True),
    # "Hội đồng nhân dân" is a named body, not "a council".
    ("Về việc thành lập Tổ tiếp công dân phục vụ bầu cử đại biểu Hội đồng nhân dân các cấp",
     "Những quyết định thành lập hội đồng", False),
    ("Về việc bầu cử đại biểu Hội đồng nhân dân các cấp", "Những văn bản về bầu cử đại biểu HĐND", True),
    ("V/v chuẩn bị giải thể một số hội quần chúng", "Những văn bản về hội", True),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM; Hội nghị tổng kết công tác", "Những văn bản về hội", False),
    # Words next to each other in the question are one term in the trích yếu, not syllables found anywhere.
    ("Về việc thành lập Hội đồng An toàn, vệ sinh lao động tỉnh", "Những văn bản về an toàn, vệ sinh lao động", True),
    ("Xin chủ trương cai nghiện tại cộng đồng; công an toàn tỉnh phối hợp hoạt động lao động sinh hoạt",
     "Những văn bản về an toàn, vệ sinh lao động", False),
])
def test_multi_word_terms_are_units_in_the_subject(title, question, about):
    assert _about(title, question) is about


_KNOWN = ["ỦY BAN NHÂN DÂN TỈNH BÌNH THUẬN", "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"]


def test_the_list_words_alone_are_taken_the_topic_and_year_between_them_stay():
    q = understand("Những kế hoạch cải cách hành chính năm 2026 nào của Lâm Đồng?", known_places=["Lâm Đồng"])
    assert (q.doc_type, q.year, q.place) == ("Kế hoạch", 2026, "Lâm Đồng")
    assert [c.label for c in q.concepts] == ["cải", "cách", "hành", "chính"]


@pytest.mark.parametrize("question, issuer, concepts", [
    # a unit and its body written next to each other are one issuer
    ("Những công văn nào của Văn phòng UBND tỉnh Bình Thuận về thủ tục hành chính?", "Văn phòng UBND tỉnh Bình Thuận",
     ["thủ", "tục", "hành", "chính"]),
    # a person's office before the body: the body issued the documents
    ("Những quyết định nào của Chủ tịch UBND tỉnh Lâm Đồng về giải thể hội?", "UBND tỉnh Lâm Đồng",
     ["giải", "thể", "hội"]),
    # the body right after the list words is the one that issued them; "văn bản của Bộ Công an" is another document
    ("Những công văn nào UBND tỉnh Lâm Đồng giao Công an tỉnh triển khai văn bản của Bộ Công an?",
     "UBND tỉnh Lâm Đồng", ["Công an tỉnh", "Bộ Công an", "triển", "khai"]),
    # "Lâm" after an agency is a place, not "làm"
    ("Những tờ trình nào của Sở Nội vụ Lâm Đồng về cải cách hành chính?", "Sở Nội vụ Lâm Đồng",
     ["cải", "cách", "hành", "chính"]),
])
def test_who_issued_the_documents(question, issuer, concepts):
    q = understand(question, known_agencies=_KNOWN, known_places=["Lâm Đồng", "Bình Thuận"])
    assert q.issuer == issuer
    assert [c.label for c in q.concepts] == concepts


def test_more_document_types_make_list_questions():
    q = understand("Những tham luận nào bàn về xây dựng xã không ma túy?")
    assert (q.kind, q.doc_type) == ("list", "Tham luận")
    assert understand("cac cong dien nao ve phong chong ma tuy").doc_type == "Công điện"


def test_an_abbreviation_in_the_topic_also_matches_its_spelled_out_form():
    q = understand("Những tham luận nào về Chương trình MTQG phòng, chống ma túy?")
    mtqg = next(c for c in q.concepts if c.label == "MTQG")
    assert mtqg.required and "muc tieu quoc gia" in mtqg.alternatives


def test_what_the_documents_do_with_the_topic_is_not_the_topic():
    q = understand("Những văn bản nào hướng dẫn tổ chức hội nghị cử tri?")
    assert (q.kind, q.doc_type) == ("list", None)
    assert [c.label for c in q.concepts] == ["tổ", "chức", "hội", "nghị", "cử", "tri"]


def test_an_issuer_typed_without_diacritics_is_shown_by_its_known_name():
    assert understand("cac cong van cua Bo Noi vu").issuer == "Bộ Nội vụ"
