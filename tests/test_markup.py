"""Markdown layout out of the normalised text: strip_markup, marks, split_lines from marks, and the seeds end to end."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings, example
from hypothesis import strategies as st

from indexer.structure.doclines import is_bold_line, markdown_level, split_lines
from indexer.duties.extract import duty_quote_span
from indexer.model import Mark
from indexer.pipeline import MARKUP_FORMATS, process_file
from indexer.text.vntext import normalize, normalize_pages, strip_markup

REPO = Path(__file__).parents[1]
CORPUS = REPO / "corpus"


def covered(text: str, marks, kind: str) -> list[str]:
    return [text[m.start:m.end] for m in marks if m.kind == kind]


# ---- strip_markup ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, clean, italic", [
    ("báo cáo UBND tỉnh (*qua Sở Nội vụ*) để theo dõi", "báo cáo UBND tỉnh (qua Sở Nội vụ) để theo dõi", ["qua Sở Nội vụ"]),
    ("mô hình “*Dân vận khéo*” gắn với", "mô hình “Dân vận khéo” gắn với", ["Dân vận khéo"]),
    ("*Noi nhận:*\n- Sở Nội vụ;", "Noi nhận:\n- Sở Nội vụ;", ["Noi nhận:"]),
    ("về *tiếp tục đẩy mạnh*; Kết luận về *nâng cao hiệu quả*", "về tiếp tục đẩy mạnh; Kết luận về nâng cao hiệu quả",
     ["tiếp tục đẩy mạnh", "nâng cao hiệu quả"]),
])
def test_italic_pairs_are_removed(raw, clean, italic):
    text, marks = strip_markup(raw)
    assert text == clean
    assert covered(text, marks, "italic") == italic
    assert {m.kind for m in marks} == {"italic"}


def test_bold_title_over_two_lines_is_one_mark():
    text, marks = strip_markup("Quảng Ngãi, ngày 11 tháng 01 năm 2021\n\n**KẾ HOẠCH\nphối hợp thực hiện công tác dân vận năm 2021**\n\nCăn cứ")
    assert text == "Quảng Ngãi, ngày 11 tháng 01 năm 2021\n\nKẾ HOẠCH\nphối hợp thực hiện công tác dân vận năm 2021\n\nCăn cứ"
    assert marks == [Mark(text.index("KẾ HOẠCH"), text.index("\n\nCăn cứ"), "bold")]
    assert text[marks[0].start:marks[0].end] == "KẾ HOẠCH\nphối hợp thực hiện công tác dân vận năm 2021"


def test_bold_pair_never_crosses_a_blank_line():
    assert strip_markup("**Mở đầu\n\nkết thúc**") == ("**Mở đầu\n\nkết thúc**", [])


def test_markdown_heading_with_bold_inside():
    text, marks = strip_markup("## **1. Chỉ tiêu chung**\n#### I. Mục đích, yêu cầu\nNội dung")
    assert text == "1. Chỉ tiêu chung\nI. Mục đích, yêu cầu\nNội dung"
    assert marks == [Mark(0, 17, "bold"), Mark(0, 17, "heading", 2), Mark(18, 38, "heading", 4)]


def test_bold_prefix_and_deadline_inside_a_sentence():
    text, marks = strip_markup("**1.** Tăng cường; gửi Sở Nội vụ **trước ngày 10/7/2020**.")
    assert text == "1. Tăng cường; gửi Sở Nội vụ trước ngày 10/7/2020."
    assert covered(text, marks, "bold") == ["1.", "trước ngày 10/7/2020"]


def test_triple_and_underscore_emphasis():
    text, marks = strip_markup("***Lưu ý*** và __Ghi chú__ cuối")
    assert text == "Lưu ý và Ghi chú cuối"
    assert sorted((text[m.start:m.end], m.kind) for m in marks) == [
        ("Ghi chú", "bold"), ("Lưu ý", "bold"), ("Lưu ý", "italic")]


def test_italic_inside_bold_paragraph():
    text, marks = strip_markup("**1. Phong trào thi đua “*Quảng Ngãi chung sức*” giai đoạn 2021-2025.**")
    assert text == "1. Phong trào thi đua “Quảng Ngãi chung sức” giai đoạn 2021-2025."
    assert covered(text, marks, "bold") == [text]
    assert covered(text, marks, "italic") == ["Quảng Ngãi chung sức"]


@pytest.mark.parametrize("text", [
    "(*) Biên bản này phải được gửi kèm theo; xem (*) ở trên",
    "ĐẢNG BỘ TỈNH QUẢNG NGÃI\nBAN DÂN VẬN\n*\nSố 10-KH/BDVTU",
    "diện tích 5 * 3 * 2 mét",
    "công thức x*y*z và 2**10 và a**b**c",
    "Số liệu ước tính*\n* Lưu ý: đơn vị triệu đồng",
    "**\n****\n______\n#hashtag\n#\n## \nchữ ** chữ",
    "Ghi chú: ** chưa đóng",
    "*mở một dòng\nđóng dòng sau*",
])
def test_lone_and_unpaired_markers_stay(text):
    assert strip_markup(text) == (text, [])


def test_marker_before_a_combining_mark_stays():
    # Removing "*" would let NFC compose "a" with the acute accent: the text would change under normalize().
    text = "a*\u0301b*"
    assert strip_markup(text) == (text, [])


def test_marks_refer_to_the_stripped_text():
    raw = "## KẾ HOẠCH\n\nA (*một*) **hai** “*ba*” __bốn__ ***năm***\n**sáu\nbảy**"
    text, marks = strip_markup(raw)
    assert text == "KẾ HOẠCH\n\nA (một) hai “ba” bốn năm\nsáu\nbảy"
    assert [(text[m.start:m.end], m.kind, m.level) for m in marks] == [
        ("KẾ HOẠCH", "heading", 2), ("một", "italic", 0), ("hai", "bold", 0), ("ba", "italic", 0),
        ("bốn", "bold", 0), ("năm", "bold", 0), ("năm", "italic", 0), ("sáu\nbảy", "bold", 0)]


# ---- properties -----------------------------------------------------------------------------------------------------

_MARKUP_PIECES = list("*#_ \n()“”.:;-aàbcđĐ") + ["**", "***", "__", "## ", "#### ", "\n\n", "Sở Nội vụ", "\u0301", "KẾ HOẠCH"]
markup_text = st.lists(st.sampled_from(_MARKUP_PIECES), max_size=80).map("".join) | st.text(max_size=200)


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


@settings(max_examples=500, deadline=None)
@given(markup_text)
@example("**#\n## **")  # found by Hypothesis: the last line of markers went and left a trailing newline
def test_stripping_normalised_text_keeps_it_normalised(raw):
    clean = normalize(raw)
    text, marks = strip_markup(clean)
    assert normalize(text) == text
    # Only marker characters go, and every mark covers words of the stripped text.
    assert _is_subsequence(text, clean)
    assert set(_removed(clean, text)) <= set("*#_ ")
    for mark in marks:
        assert 0 <= mark.start < mark.end <= len(text)
        assert not text[mark.start].isspace() and not text[mark.end - 1].isspace()
        assert "\n\n" not in text[mark.start:mark.end]


def _removed(long: str, short: str) -> str:
    out, k = [], 0
    for ch in long:
        if k < len(short) and short[k] == ch:
            k += 1
        else:
            out.append(ch)
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.lists(markup_text, max_size=4))
def test_normalize_pages_with_markup_is_idempotent_and_spans_line_up(pages):
    result = normalize_pages(pages, markup=True)
    if len(pages) == 1:
        assert normalize(result.text) == result.text
    for page, span in zip(pages, result.pages):
        assert result.text[span.start:span.end] == strip_markup(normalize(page))[0]
        assert normalize(result.text[span.start:span.end]) == result.text[span.start:span.end]
    for mark in result.marks:
        page = next(p for p in result.pages if p.start <= mark.start and mark.end <= p.end)
        assert page.start <= mark.start < mark.end <= page.end


def test_normalize_pages_shifts_marks_to_document_offsets():
    result = normalize_pages(["**Trang một**", "Trang *hai*"], markup=True)
    assert result.text == "Trang một\n\nTrang hai"
    assert [(result.text[m.start:m.end], m.kind) for m in result.marks] == [("Trang một", "bold"), ("hai", "italic")]
    assert normalize_pages(["**Trang một**"]).text == "**Trang một**"  # without markup=True nothing is taken out


# ---- split_lines with marks -----------------------------------------------------------------------------------------

def test_split_lines_rebuilds_bold_and_heading_layout():
    norm = normalize_pages(["**KẾ HOẠCH\nphối hợp năm 2021**\n## **III. Nhiệm vụ**\n**1.** Tăng cường\nthường"], markup=True)
    lines = split_lines(norm.text, norm.marks)
    assert [line.raw for line in lines] == [
        "**KẾ HOẠCH**", "**phối hợp năm 2021**", "## **III. Nhiệm vụ**", "1. Tăng cường", "thường"]
    assert [line.text for line in lines] == ["KẾ HOẠCH", "phối hợp năm 2021", "III. Nhiệm vụ", "1. Tăng cường", "thường"]
    assert [is_bold_line(line.raw) for line in lines] == [True, True, True, False, False]
    assert markdown_level(lines[2].raw) == 2
    assert all(norm.text[line.start:line.end] == line.text for line in lines)


# ---- the seeds through the real pipeline ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeds():
    return {path.name[:3]: process_file(path, CORPUS) for path in sorted(CORPUS.glob("*.txt"))}


def test_markup_formats_are_the_readers_that_write_markdown():
    assert MARKUP_FORMATS == {"txt", "md", "docx"}


def test_no_markup_left_in_the_seed_texts(seeds):
    assert len(seeds) == 5
    for prefix, doc in seeds.items():
        assert strip_markup(doc.text) == (doc.text, []), prefix
        assert "*" not in doc.text and not re.search(r"(?m)^#", doc.text), prefix
        assert unicodedata.is_normalized("NFC", doc.text) and normalize(doc.text) == doc.text


def test_quote_of_the_quarterly_report_is_exact(seeds):
    doc = seeds["002"]
    assert "định kỳ hàng quý báo cáo UBND tỉnh (qua Sở Nội vụ)" in doc.text
    [duty] = [d for d in doc.duties if d.frequency == "quarterly"]
    start, end = duty_quote_span(duty)
    assert "định kỳ hàng quý báo cáo UBND tỉnh (qua Sở Nội vụ)" in doc.text[start:end]
    assert duty.sentence == doc.text[duty.start:duty.end]


@pytest.mark.parametrize("prefix, phrase, path", [
    ("002", "định kỳ hàng quý báo cáo UBND tỉnh (qua Sở Nội vụ)", "II.9"),
    ("004", "trước ngày 10/5/2023", "III.1"),
    ("003", "92%", "A.II.2"),
    ("000", "Tổ Công tác 1717", "II.3"),
])
def test_seed_sections_through_the_pipeline(seeds, prefix, phrase, path):
    doc = seeds[prefix]
    offset = doc.text.index(phrase)
    inside = [s for s in doc.structure.sections if s.start <= offset < s.end]
    assert max(inside, key=lambda s: s.level).path == path
    assert next(c for c in doc.chunks if c.start <= offset < c.end).section == path


def test_seed_titles_and_signers_read_from_marks(seeds):
    assert seeds["000"].structure.title == "phối hợp thực hiện công tác dân vận năm 2021"
    assert seeds["001"].structure.title.startswith("phối hợp thực hiện công tác dân vận")
    assert [b.name for b in seeds["001"].structure.signatures] == ["Phan Đình Chí", "Phạm Quang Sư"]
    assert seeds["001"].structure.signatures[1].position == "PHÓ CHỦ TỊCH"
    headings = {s.path: s.heading for s in seeds["003"].structure.sections}
    assert headings["A.II.1"] == "1. Chỉ tiêu chung" and headings["B.I"] == "I. Mục đích, yêu cầu"
