"""Duty extraction: the seed plans' reporting duties through the real pipeline, the grammar, and offset invariants."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.duties.deadlines import FREQUENCIES, find_deadlines, find_frequencies
from indexer.duties.extract import analyse_sentence, duty_quote_span, extract_duties, sentence_spans
from indexer.model import DocumentStructure, NormalizedText, PageSpan, Section
from indexer.pipeline import process_file

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="module")
def seeds():
    return {path.name[:3]: process_file(path, CORPUS) for path in sorted(CORPUS.glob("*.txt"))}


def _find(duties, **wanted):
    return [d for d in duties if all(getattr(d, k) == v for k, v in wanted.items())]


def test_quarterly_report_to_ubnd_via_so_noi_vu(seeds):
    doc = seeds["002"]
    [duty] = _find(doc.duties, frequency="quarterly")
    assert (duty.section, duty.action, duty.recipient, duty.intermediary) == ("II.9", "báo cáo", "UBND tỉnh", "Sở Nội vụ")
    start, end = duty_quote_span(duty)
    assert "định kỳ hàng quý báo cáo UBND tỉnh (qua Sở Nội vụ)" in doc.text[start:end]
    assert duty.page is None  # a .txt has no printed pages


def test_registration_before_10_7_2020(seeds):
    duties = _find(seeds["002"].duties, action="đăng ký", deadline_date="2020-07-10")
    assert len(duties) == 1
    duty = duties[0]
    assert (duty.recipient, duty.frequency, duty.deadline) == ("Sở Nội vụ", "once", "trước ngày 10/7/2020")
    assert "Thủ trưởng các Sở, ban, ngành cấp tỉnh" in duty.actor


def test_self_assessment_every_15_november(seeds):
    [duty] = _find(seeds["002"].duties, deadline_recurrence="--11-15")
    assert duty.action == "tự đánh giá"
    assert (duty.frequency, duty.deadline, duty.deadline_date) == ("annual", "trước ngày 15/11 hàng năm", None)
    assert (duty.recipient, duty.intermediary) == ("UBND tỉnh", "Sở Nội vụ")


def test_one_sentence_two_duties_in_004(seeds):
    doc = seeds["004"]
    [semiannual] = _find(doc.duties, frequency="semiannual")
    [annual] = _find(doc.duties, frequency="annual")
    assert semiannual.sentence == annual.sentence
    assert (semiannual.deadline_date, annual.deadline_date) == ("2023-05-10", "2023-10-30")
    assert semiannual.action == annual.action == "báo cáo"
    assert semiannual.actor == "Văn phòng và Tổ chức đoàn thể"
    start, end = duty_quote_span(semiannual)
    assert "06 tháng (trước ngày 10/5/2023)" in doc.text[start:end]
    assert "30/10/2023" not in doc.text[start:end]
    start, end = duty_quote_span(annual)
    assert "báo cáo" in doc.text[start:end] and "01 năm (trước ngày 30/10/2023)" in doc.text[start:end]


def test_quarterly_meetings_are_not_reports(seeds):
    duties = _find(seeds["000"].duties, frequency="quarterly")
    assert duties and all(d.action == "giao ban" for d in duties)
    assert not _find(seeds["000"].duties, action="báo cáo", frequency="quarterly")


def test_titles_and_periods_are_not_frequencies(seeds):
    # "6 tháng cuối năm 2020" (002's title) and "6 tháng đầu năm 2020" name periods, not a reporting frequency.
    assert not _find(seeds["002"].duties, frequency="semiannual")


def test_invariants_on_every_seed(seeds):
    for doc in seeds.values():
        paths = {s.path for s in doc.structure.sections} | {""}
        for duty in doc.duties:
            assert doc.text[duty.start:duty.end] == duty.sentence
            assert duty.section in paths
            assert duty.frequency in FREQUENCIES or duty.frequency is None
            start, end = duty_quote_span(duty)
            assert duty.start <= start < end <= duty.end
            if duty.deadline:
                assert duty.deadline in duty.sentence


def test_grammar_dates_and_frequencies():
    text = "báo cáo định kỳ 06 tháng (trước ngày 10/5/2023), 01 năm (chậm nhất ngày 20 tháng 12 năm 2023)"
    deadlines = find_deadlines(text)
    assert [d.date for d in deadlines] == ["2023-05-10", "2023-12-20"]
    frequencies = find_frequencies(text, [(d.start, d.end) for d in deadlines])
    assert [(text[f.start:f.end], f.frequency) for f in frequencies] == [
        ("định kỳ 06 tháng", "semiannual"), ("01 năm", "annual")]
    assert find_frequencies("Quảng Ngãi, ngày 26 tháng 6 năm 2020; trong 6 tháng đầu năm 2020") == []
    [monthly] = find_deadlines("gửi báo cáo trước ngày 20 hằng tháng")
    assert (monthly.frequency, monthly.date) == ("monthly", None)
    assert find_deadlines("trước ngày 31/2/2020") == []
    text = "gửi báo cáo 6 tháng/lần; định kỳ 3 tháng/lần họp"
    assert [(text[f.start:f.end], f.frequency) for f in find_frequencies(text)] == [
        ("6 tháng/lần", "semiannual"), ("định kỳ 3 tháng/lần", "quarterly")]


def test_sentence_splitting_keeps_exact_offsets():
    text = "1. Văn phòng: Tổ chức họp. TP. Hồ Chí Minh gửi báo cáo; Sở Nội vụ tổng hợp.\nDòng hai tiếp theo đây."
    spans = sentence_spans(text)
    pieces = [text[s:e] for s, e in spans]
    assert pieces == ["1. Văn phòng: Tổ chức họp.", "TP. Hồ Chí Minh gửi báo cáo;", "Sở Nội vụ tổng hợp.",
                      "Dòng hai tiếp theo đây."]


def test_hand_built_structure_gives_section_and_actor():
    text = ("III. TỔ CHỨC THỰC HIỆN\n\n2. Sở Tài chính\n\nHằng năm, gửi báo cáo về Sở Kế hoạch và Đầu tư "
            "trước ngày 15/12.\n\nNơi nhận:\n- Lưu: VT.")
    end_body = text.index("Nơi nhận")
    sections = [Section("III", "III. TỔ CHỨC THỰC HIỆN", 1, 0, end_body, 23),
                Section("III.2", "2. Sở Tài chính", 2, 24, end_body, 40)]
    norm = NormalizedText(text, [PageSpan(1, 0, 40), PageSpan(2, 40, len(text))])
    [duty] = extract_duties("x", norm, DocumentStructure(sections=sections, body_end=end_body))
    assert (duty.section, duty.actor, duty.recipient) == ("III.2", "Sở Tài chính", "Sở Kế hoạch và Đầu tư")
    # "Hằng năm, … trước ngày 15/12": the frequency and the yearless deadline make one yearly duty.
    assert (duty.frequency, duty.deadline_recurrence, duty.page) == ("annual", "--12-15", 2)


def test_reporting_without_anchor_needs_a_recipient():
    assert analyse_sentence("Tham mưu báo cáo đánh giá kết quả thực hiện Kế hoạch.") == []
    [duty] = analyse_sentence("Báo cáo kết quả về UBND tỉnh.")
    assert duty.action == "báo cáo" and duty.frequency is None


@pytest.mark.slow
def test_real_plans_keep_offsets_and_find_dated_duties():
    folder = SHARED / "data" / "luongminh-docs"
    files = sorted(folder.glob("*.docx"))
    assert files, f"no .docx under {folder}"
    dated = 0
    for path in files:
        doc = process_file(path, folder)
        for duty in doc.duties:
            assert doc.text[duty.start:duty.end] == duty.sentence
            start, end = duty_quote_span(duty)
            assert duty.start <= start < end <= duty.end
            dated += duty.deadline_date is not None
    assert dated >= 5
