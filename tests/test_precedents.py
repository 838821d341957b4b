"""Precedents: section kinds, similar plans and the same section across plans, on plans built in the test."""
from __future__ import annotations

import pytest

from indexer.model import DocumentInfo, PageSpan, Section
from search.precedents import PlanProfile, PrecedentFinder, classify_sections, section_kind


def _info(doc_id: str, number: str) -> DocumentInfo:
    return DocumentInfo(
        doc_id=doc_id, source=f"{doc_id}.txt", doc_type="Kế hoạch", doc_number=number, title=None, issuer=None,
        place=None, date=None, year=None, signers=[], recipients=[], references=[], n_chunks=1,
    )


def _plan(doc_id: str, number: str, parts: list[tuple[str, str]]) -> PlanProfile:
    """A plan whose sections are the given (heading, body) pairs, with real offsets into its text."""
    text, sections = "KẾ HOẠCH\n", []
    for i, (heading, body) in enumerate(parts, 1):
        start = len(text)
        text += f"{heading}\n{body}\n"
        sections.append(Section(path=str(i), heading=heading, level=1, start=start, end=len(text),
                                body_start=start + len(heading) + 1))
    return PlanProfile(_info(doc_id, number), text, classify_sections(doc_id, text, sections))


PLANS = [
    _plan("a", "1/KH-A", [
        ("I. MỤC ĐÍCH, YÊU CẦU", "Nâng cao nhận thức về công tác dân vận chính quyền."),
        ("II. NỘI DUNG", "Tuyên truyền quy chế dân chủ ở cơ sở; xây dựng mô hình dân vận khéo."),
        ("III. TỔ CHỨC THỰC HIỆN", "Sở Nội vụ theo dõi, tổng hợp, báo cáo UBND tỉnh hàng quý."),
    ]),
    _plan("b", "2/KH-B", [
        ("I. Mục đích yêu cầu", "Nâng cao nhận thức về công tác dân vận chính quyền trong cơ quan."),
        ("II. Nhiệm vụ và giải pháp", "Tuyên truyền quy chế dân chủ ở cơ sở; nhân rộng mô hình dân vận khéo."),
        ("III. Tổ chức thực hiện", "Văn phòng theo dõi, tổng hợp, báo cáo hàng quý về Sở Nội vụ."),
    ]),
    _plan("c", "3/KH-C", [
        ("1. Mục tiêu", "Trồng rừng phòng hộ ven biển, bảo vệ đa dạng sinh học."),
        ("2. Kinh phí", "Ngân sách tỉnh bố trí cho trồng rừng."),
        ("3. Tổ chức thực hiện", "Sở Nông nghiệp chủ trì trồng rừng, nghiệm thu cây giống."),
    ]),
]


@pytest.mark.parametrize(
    "heading, kind",
    [
        ("I. MỤC ĐÍCH, YÊU CẦU", "Mục đích, yêu cầu"),
        ("I. Muc dich yeu cau", "Mục đích, yêu cầu"),
        ("II. NỘI DUNG, NHIỆM VỤ, GIẢI PHÁP", "Nội dung, nhiệm vụ, giải pháp"),
        ("IV. TỔ CHỨC THỰC HIỆN", "Tổ chức thực hiện"),
        ("V. Chế độ thông tin báo cáo", "Chế độ báo cáo"),
        ("3. Kinh phí thực hiện", "Kinh phí"),
        ("Căn cứ pháp lý", None),
    ],
)
def test_section_kind(heading, kind):
    assert section_kind(heading) == kind


def test_classify_sections_keeps_outermost_with_exact_text_and_page():
    text = "I. Mục đích, yêu cầu\n1. Mục đích\nabc\n2. Yêu cầu\ndef\nII. Tổ chức thực hiện\nghi"
    outer_end = text.index("II.")
    sections = [
        Section("I", "I. Mục đích, yêu cầu", 1, 0, outer_end, 21),
        Section("I.1", "1. Mục đích", 2, 21, text.index("2. Y"), 33),
        Section("I.2", "2. Yêu cầu", 2, text.index("2. Y"), outer_end, text.index("def")),
        Section("II", "II. Tổ chức thực hiện", 1, outer_end, len(text), len(text) - 3),
    ]
    pages = [PageSpan(1, 0, outer_end), PageSpan(2, outer_end, len(text))]
    found = classify_sections("d", text, sections, pages)
    assert [(s.section, s.kind, s.page) for s in found] == [
        ("I", "Mục đích, yêu cầu", 1), ("II", "Tổ chức thực hiện", 2)]
    assert all(text[s.start:s.start + len(s.text)] == s.text for s in found)


def test_similar_plans_ranks_the_close_plan_first_and_excludes_itself():
    finder = PrecedentFinder(PLANS)
    similar = finder.similar_plans(finder.plan("a"), k=5)
    assert [p.info.doc_id for p in similar][0] == "b"
    assert "a" not in [p.info.doc_id for p in similar]
    assert similar[0].score > (similar[1].score if len(similar) > 1 else 0)
    assert all(0 < p.score <= 1.0001 for p in similar)


def test_matching_sections_per_kind_from_a_plan():
    finder = PrecedentFinder(PLANS)
    assert finder.kinds() == ["Mục đích, yêu cầu", "Mục tiêu", "Nội dung, nhiệm vụ, giải pháp", "Tổ chức thực hiện",
                              "Kinh phí"]
    matches = {m.kind: m for m in finder.matching_sections(finder.plan("a"))}
    org = matches["Tổ chức thực hiện"]
    assert org.own is not None and org.own.doc_id == "a"
    assert [s.doc_id for s, _, _ in org.matches][0] == "b"  # "báo cáo hàng quý … Sở Nội vụ" beats tree planting
    assert all(s.kind == "Tổ chức thực hiện" and s.doc_id != "a" for s, _, _ in org.matches)
    assert matches["Kinh phí"].own is None  # plan a has no budget section: compared on its whole text


def test_unaccented_draft_finds_accented_precedent():
    draft = _plan("", "", [("III. To chuc thuc hien", "Cac so nganh trong rung, nghiem thu cay giong.")])
    finder = PrecedentFinder(PLANS)
    assert finder.similar_plans(draft, k=1)[0].info.doc_id == "c"
    org = next(m for m in finder.matching_sections(draft) if m.kind == "Tổ chức thực hiện")
    assert org.matches[0][1].doc_number == "3/KH-C"


def test_empty_inputs():
    assert PrecedentFinder([]).similar_plans(PLANS[0]) == []
    assert PrecedentFinder([]).matching_sections(PLANS[0]) == []
    assert PrecedentFinder(PLANS).similar_plans(PlanProfile(_info("", ""), "  ", ())) == []


def test_draft_profile_parses_a_pasted_plan_unaccented():
    from search.precedents import draft_profile

    draft = ("KE HOACH\nTrien khai cong tac dan van nam 2025\n\nI. MUC DICH, YEU CAU\n1. Nang cao nhan thuc.\n\n"
             "II. NOI DUNG\n1. Tuyen truyen quy che dan chu.\n\nIII. TO CHUC THUC HIEN\n1. Van phong bao cao hang quy.\n")
    profile = draft_profile(draft)
    assert profile.info.doc_id == ""
    assert [s.kind for s in profile.sections] == ["Mục đích, yêu cầu", "Nội dung, nhiệm vụ, giải pháp",
                                                  "Tổ chức thực hiện"]
    assert all(profile.text[s.start:s.start + len(s.text)] == s.text for s in profile.sections)


def test_load_plans_from_the_sample_index(lexical_index_dir):
    from indexer.store.reader import IndexReader
    from search.precedents import load_plans

    reader = IndexReader.open(lexical_index_dir)
    try:
        plans = load_plans(reader)
    finally:
        reader.close()
    by_source = {p.info.source: p for p in plans}
    assert len(plans) == 5
    plan_80 = by_source["002_29bb97ec301183b7.txt"]
    assert [(s.section, s.kind) for s in plan_80.sections] == [
        ("I", "Mục đích, yêu cầu"), ("II", "Nội dung, nhiệm vụ, giải pháp"), ("III", "Tổ chức thực hiện")]
    finder = PrecedentFinder(plans)
    org = next(m for m in finder.matching_sections(plan_80) if m.kind == "Tổ chức thực hiện")
    assert org.own.section == "III" and len(org.matches) == 3
    assert all(s.doc_id != plan_80.info.doc_id for s, _, _ in org.matches)
