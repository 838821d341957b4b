"""Agency names read whole: names written with a comma inside, "Công an" at the end of a name, a name before "?"."""
from __future__ import annotations

import pytest

from indexer.duties.agencies import find_agencies, looks_like_agency
from indexer.duties.extract import analyse_sentence, extract_duties
from indexer.model import DocumentStructure, NormalizedText, PageSpan, Section


@pytest.mark.parametrize("text, names", [
    ("giao Báo và Phát thanh, Truyền hình tỉnh chủ trì", ["Báo và Phát thanh, Truyền hình tỉnh"]),
    ("Sở Văn hóa, Thể thao và Du lịch phối hợp", ["Sở Văn hóa, Thể thao và Du lịch"]),
    ("Sở Nội vụ, Sở Tài chính chủ trì", ["Sở Nội vụ", "Sở Tài chính"]),  # a list stays two names
    ("gửi Sở Nội vụ, Tổ công tác", ["Sở Nội vụ"]),
    ("báo cáo qua Bộ Công an để tổng hợp", ["Bộ Công an"]),
    ("văn bản của Bộ Công an?", ["Bộ Công an"]),
])
def test_whole_agency_names(text, names):
    assert [text[s:e] for s, e in find_agencies(text, allow_list=False)] == names


def test_a_heading_naming_an_agency_with_a_comma_gives_the_actor():
    assert looks_like_agency("Báo và Phát Thanh, Truyền hình tỉnh")
    text = ("III. TỔ CHỨC THỰC HIỆN\n\n6. Báo và Phát Thanh, Truyền hình tỉnh\n\nHằng quý, gửi báo cáo về Sở Nội vụ "
            "trước ngày 20 của tháng cuối quý.\n\nNơi nhận:\n- Lưu: VT.")
    end_body = text.index("Nơi nhận")
    heading_end = text.index("\n\nHằng")
    sections = [Section("III", "III. TỔ CHỨC THỰC HIỆN", 1, 0, end_body, 23),
                Section("III.6", "6. Báo và Phát Thanh, Truyền hình tỉnh", 2, 24, end_body, heading_end)]
    norm = NormalizedText(text, [PageSpan(1, 0, len(text))])
    [duty] = extract_duties("x", norm, DocumentStructure(sections=sections, body_end=end_body))
    assert (duty.actor, duty.recipient) == ("Báo và Phát Thanh, Truyền hình tỉnh", "Sở Nội vụ")


def test_an_intermediary_ending_in_cong_an_is_whole():
    sentence = "Công an tỉnh báo cáo kết quả về Chính phủ qua Bộ Công an."
    [duty] = analyse_sentence(sentence)
    assert [sentence[s:e] for s, e in (duty.recipient, duty.intermediary)] == ["Chính phủ", "Bộ Công an"]


def test_an_asked_agency_ending_in_a_level_word_matches_the_name_with_the_place():
    from search.answer.evidence import text_coverage
    from search.query.questions import understand

    q = understand("Những kế hoạch nào giao Báo và Phát thanh, Truyền hình tỉnh chủ trì tuyên truyền?")
    [agency] = [c for c in q.concepts if c.required]
    assert text_coverage((agency,), "Báo và Phát thanh, Truyền hình Lâm Đồng chủ trì tuyên truyền.")[0]
    assert not text_coverage((agency,), "Sở Văn hóa, Thể thao và Du lịch chủ trì tuyên truyền.")[0]
