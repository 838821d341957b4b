"""Fact answers give the asked value: the kind of value a question asks for, sentences read across soft line wraps,
the round asked ("lần thứ nhất" vs "lần thứ hai"), and the sentence chosen for it."""
from __future__ import annotations

import pytest

from search.answer.facts import has_value, ordinals, other_round, pick_sentence, soft_sentences
from search.query.questions import understand, wanted_value

# Shapes of real passages: ninhbinh-pdfs/706.pdf (lines cut mid-sentence) and the Lương Minh hiệp thương plan.
NINH_BINH_706 = """UBND tỉnh nhận được Văn bản số 4705/HD-BQP ngày 31/10/2024 của
Bộ Quốc phòng hướng dẫn về việc tuyển chọn và gọi công dân nhập ngũ năm 2025.
UBND tỉnh giao Bộ Chỉ huy Quân sự tỉnh chủ trì, phối hợp với các cơ quan,
đơn vị có liên quan nghiên cứu, triển khai thực hiện."""
ROUNDS = """1. Hội nghị hiệp thương lần thứ nhất.
1.1. Nội dung: Hiệp thương về cơ cấu, thành phần, số lượng người được giới thiệu ứng cử.
- Thời gian: Dự kiến ngày 05/12/2025 (Chậm nhất ngày 10/12/2025).
2. Hội nghị hiệp thương lần thứ hai
- Thời gian: Dự kiến ngày 30/01/2026 (Chậm nhất ngày 03/02/2026)."""


@pytest.mark.parametrize("question, kind", [
    ("Ngày bầu cử là ngày nào?", "date"), ("Hội nghị tổ chức khi nào?", "date"),
    ("Tỷ lệ hồ sơ trực tuyến tối thiểu bao nhiêu phần trăm?", "number"),
    ("UBND tỉnh giao cơ quan nào chủ trì?", "agency"), ("Hồ sơ ứng cử gồm những giấy tờ gì?", "list"),
    ("When is the election day?", "date"), ("Sở Nội vụ có nhiệm vụ gì?", None),
])
def test_kind_of_value_asked(question, kind):
    assert understand(question).wants == kind


def test_role_word_before_the_asked_agency():
    assert wanted_value("ubnd tinh giao co quan nao tuyen chon") == ("agency", "giao")


def test_soft_line_wraps_do_not_end_a_sentence_and_quotes_stay_exact():
    spans = soft_sentences(NINH_BINH_706)
    sentences = [NINH_BINH_706[s:e] for s, e in spans]
    assert len(sentences) == 2
    assert sentences[0].endswith("nhập ngũ năm 2025.") and "của\nBộ Quốc phòng" in sentences[0]
    assert sentences[1].startswith("UBND tỉnh giao Bộ Chỉ huy Quân sự tỉnh") and "đơn vị có liên quan" in sentences[1]
    assert all(NINH_BINH_706[s:e] in NINH_BINH_706 for s, e in spans)


def test_the_agency_given_the_task_not_the_one_that_wrote_the_guidance():
    q = understand("UBND tỉnh giao cơ quan nào tuyển chọn và gọi công dân nhập ngũ năm 2025?")
    (start, end), _ = pick_sentence(NINH_BINH_706, q)
    assert NINH_BINH_706[start:end].startswith("UBND tỉnh giao Bộ Chỉ huy Quân sự tỉnh")
    assert has_value("Bộ Quốc phòng hướng dẫn về việc tuyển chọn", q) == 1
    assert has_value("UBND tỉnh giao Bộ Chỉ huy Quân sự tỉnh chủ trì", q) == 2


def test_rounds_are_told_apart():
    assert ordinals("Hội nghị hiệp thương lần thứ nhất") == {1} and ordinals("đợt 3") == {3}
    q = understand("Hội nghị hiệp thương lần thứ nhất tổ chức khi nào?")
    assert other_round(q, "Tổ chức hội nghị hiệp thương lần thứ hai")
    assert not other_round(q, "Tổ chức các hội nghị hiệp thương")
    first = ROUNDS[:ROUNDS.index("2. Hội nghị")]
    (start, end), _ = pick_sentence(first, q)
    assert "05/12/2025" in first[start:end]


def test_a_dated_sentence_beats_a_slogan():
    q = understand("Ngày bầu cử đại biểu Quốc hội khóa XVI là ngày nào?")
    text = ("1. Nhiệt liệt chào mừng Ngày bầu cử đại biểu Quốc hội khóa XVI!\n"
            "2. Cuộc bầu cử đại biểu Quốc hội khóa XVI là Ngày hội của toàn dân (ngày 15/3/2026).")
    (start, end), _ = pick_sentence(text, q)
    assert "15/3/2026" in text[start:end]
