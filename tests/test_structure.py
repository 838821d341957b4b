"""Structure parser: header, outline, signatures, Nơi nhận and references on seeds, real files and small texts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.pipeline import normalise
from indexer.read.readers import read_file
from indexer.structure.references import find_references, normalize_number, number_key, type_from_number
from indexer.structure.parse import parse_structure
from indexer.text.vntext import normalize_pages

REPO = Path(__file__).parents[1]
SHARED = REPO.parent / "shared"
NINHBINH = SHARED / "data" / "ninhbinh-pdfs"
LUONGMINH = SHARED / "data" / "luongminh-docs"
VBPL = SHARED / "data" / "vbpl-central-1000" / "docs.jsonl"


def parse_file(path: Path):
    """As the pipeline reads a file: markdown taken out of the text into marks, which the parser is given."""
    norm = normalise(read_file(path))
    return norm, parse_structure(norm.text, marks=norm.marks)


def parse_file_with_markup(path: Path):
    """The text with its markdown still in it and no marks, as parse_structure(text) alone sees it."""
    norm = normalize_pages(read_file(path).pages)
    return norm, parse_structure(norm.text)


def seed(prefix: str):
    return parse_file(next((REPO / "corpus").glob(f"{prefix}_*.txt")))[1]


def section_of(text: str, structure, phrase: str) -> str:
    offset = text.index(phrase)
    inside = [s for s in structure.sections if s.start <= offset < s.end]
    return max(inside, key=lambda s: s.level).path


def signers(structure) -> list[str]:
    return [block.name for block in structure.signatures]


# --- the five seeds (issue 2 acceptance) -------------------------------------------------------------------------

def test_seed_002_state_layout():
    s = seed("002")
    assert s.doc_type == "Kế hoạch"
    assert s.doc_number == "80/KH-UBND"
    assert s.place == "Quảng Ngãi"
    assert s.date == "2020-06-26" and s.year == 2020
    assert s.title == "Thực hiện Quy chế dân chủ ở cơ sở và công tác Dân vận chính quyền 6 tháng cuối năm 2020"
    assert signers(s) == ["Trần Ngọc Căng"]
    assert s.signatures[0].position == "CHỦ TỊCH"
    assert {"120-KH/BDVTU-BCSĐUBND", "887/UBND-NC"} <= set(s.references)
    assert "80/KH-UBND" not in s.references
    assert s.issuers == ["UBND tỉnh"]  # how the plan names itself: "UBND tỉnh xây dựng kế hoạch … như sau:"
    assert s.recipients[0] == "Ban Thường vụ Tỉnh ủy" and "Ban Dân vận Tỉnh ủy" in s.recipients
    assert not any(r.startswith("Lưu") for r in s.recipients)


def test_seed_000_party_plan_with_two_signers():
    s = seed("000")
    assert s.date == "2021-01-11" and s.place == "Quảng Ngãi"
    assert s.doc_number is None
    assert s.title == "phối hợp thực hiện công tác dân vận năm 2021"
    assert signers(s) == ["Đàm Minh Lễ", "Lê Văn Dũng"]
    assert [b.authority for b in s.signatures] == ["K/T", "K/T"]
    assert s.signatures[1].organisation == "BAN DÂN VẬN TỈNH ỦY"
    assert s.signatures[1].position == "PHÓ TRƯỞNG BAN"
    issuers = " | ".join(s.issuers).lower()
    assert "ban dân vận tỉnh ủy" in issuers and "ban quản lý khu kinh tế dung quất" in issuers
    assert "10-KH/BDVTU-BCSDUBND" in s.references  # "10.KH/…" written with a dot, normalised to the party hyphen
    assert "Thường trực Tỉnh ủy" in s.recipients  # "- Thường trực Tỉnh ủy, } (báo cáo)" cleaned


def test_seed_001_no_date_year_from_title():
    s = seed("001")
    assert s.date is None and s.place is None
    assert s.year == 2024
    assert signers(s) == ["Phan Đình Chí", "Phạm Quang Sư"]
    assert s.signatures[1].authority == "KT." and s.signatures[1].organisation == "ỦY BAN NHÂN DÂN HUYỆN"
    assert "1374-QĐ/HU" in s.references and "59/2023/NĐ-CP" in s.references
    assert s.issuers == ["Ban Dân vận Huyện ủy", "Ủy ban nhân dân huyện"]
    assert "Ban Dân vận Tỉnh uỷ" in s.recipients  # "(thay B/cáo)" removed


def test_seed_003_markdown_layout():
    s = seed("003")
    assert s.doc_type == "Kế hoạch"
    assert s.year == 2023 and s.title.endswith("năm 2023")
    assert s.issuers == ["Sở Công Thương"]
    assert signers(s) == ["Võ Văn Rân"]
    assert "Sở Nội vụ" in s.recipients  # the list is headed "*Noi nhận:*"


def test_seed_004_blank_number_and_day():
    s = seed("004")
    assert s.doc_number == "/KH-BQLKKT"
    assert s.place == "Gia Lai" and s.date == "2023-01" and s.year == 2023
    assert signers(s) == ["Nguyễn Như Trình"]
    assert "79/KH-UBND" in s.references
    assert s.recipients == ["Ban Dân vận Tỉnh ủy", "Sở Nội vụ", "Các phòng, đơn vị trực thuộc",
                            "Trang thông tin điện tử BQLKKT"]


@pytest.mark.parametrize("prefix, phrase, path", [
    ("002", "định kỳ hàng quý báo cáo UBND tỉnh", "II.9"),
    ("004", "trước ngày 10/5/2023", "III.1"),
    ("003", "92%", "A.II.2"),
    ("000", "Tổ Công tác 1717", "II.3"),
])
def test_seed_sentences_in_their_sections(prefix, phrase, path):
    norm, structure = parse_file(next((REPO / "corpus").glob(f"{prefix}_*.txt")))
    assert section_of(norm.text, structure, phrase) == path


def test_seed_outlines():
    outlines = {p: [s.path for s in seed(p).sections] for p in ("000", "001", "002", "003", "004")}
    assert outlines["002"] == ["I"] + [f"I.{i}" for i in range(1, 7)] + ["II"] + [f"II.{i}" for i in range(1, 12)] \
        + ["III"] + [f"III.{i}" for i in range(1, 6)]
    assert outlines["001"][:3] == ["I", "II", "II.1"]  # I holds "-" bullets only: no sub-sections
    assert outlines["003"][:5] == ["A", "A.I", "A.II", "A.II.1", "A.II.2"]
    assert [p for p in outlines["003"] if "." not in p] == ["A", "B", "C", "D"]  # C. and D. are letters, not Roman
    assert outlines["004"] == ["I", "I.1", "I.2", "I.3", "II"] + [f"II.{i}" for i in range(1, 8)] \
        + ["III", "III.1", "III.2"]


def test_seed_spans_are_consistent():
    for prefix in ("000", "001", "002", "003", "004"):
        norm, s = parse_file(next((REPO / "corpus").glob(f"{prefix}_*.txt")))
        assert 0 < s.body_start < s.body_end < len(norm.text)
        assert norm.text[s.body_end:].lstrip().startswith(("Nơi nhận", "Noi nhận", "BAN", "CHỦ", "GIÁM", "TRƯỞNG"))
        for section in s.sections:
            assert s.body_start <= section.start < section.body_start <= section.end <= s.body_end
            assert norm.text[section.start:section.end].strip()


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_read_the_same_with_markup_in_the_text_or_as_marks(prefix):
    path = next((REPO / "corpus").glob(f"{prefix}_*.txt"))
    (marked_norm, marked), (plain_norm, plain) = parse_file(path), parse_file_with_markup(path)
    assert "*" in plain_norm.text or "#" in plain_norm.text
    assert len(marked_norm.text) < len(plain_norm.text)
    for field in ("doc_type", "doc_number", "title", "issuers", "place", "date", "year", "references", "recipients",
                  "signatures"):
        assert getattr(marked, field) == getattr(plain, field), field
    assert [(x.path, x.heading, x.level) for x in marked.sections] == [(x.path, x.heading, x.level) for x in plain.sections]


# --- real files ---------------------------------------------------------------------------------------------------

def test_ninhbinh_193_interleaved_header():
    norm, s = parse_file(NINHBINH / "193.pdf")
    assert s.doc_type == "Kế hoạch"
    assert s.doc_number == "/KH-UBND"
    assert s.place == "Ninh Bình" and s.date == "2024-11" and s.year == 2024
    assert "20-CT/TU" in s.references
    assert s.issuers == ["ỦY BAN NHÂN DÂN TỈNH NINH BÌNH"]
    assert signers(s) == ["Trần Song Tùng"]
    assert s.title.startswith("Triển khai thực hiện Chỉ thị số 20-CT/TU")
    assert [x.path for x in s.sections if "." not in x.path] == ["I", "II", "III", "PL"]  # annex after signature


def test_luongminh_plan_header_in_a_table():
    norm, s = parse_file(LUONGMINH / "18-11-KH thuc hien cong tac bau cu (Lương Minh).docx")
    assert s.doc_number == "16/KH-MTTQ-BTT"
    assert s.date == "2025-11-18" and s.place == "Lương Minh"
    assert signers(s) == ["Lan Thị Vân"]
    assert s.signatures[0].authority == "TM."
    assert s.doc_type == "Kế hoạch"
    assert "II.1.1" in [x.path for x in s.sections]  # "1.1." under "1." under "II."
    assert "**" not in norm.text and norm.marks  # bold paragraphs from the DOCX reader are marks, not text


def test_luongminh_bold_headings_over_several_lines():
    norm, s = parse_file(LUONGMINH / "HD hiệp thương (MTTQ tỉnh) (đã tiếp thu ý kiến tham gia bổ sung A Hạnh).docx")
    headings = {x.path: x.heading for x in s.sections}
    # "**C. XÁC MINH … CỬ TRI NÊU\nĐỐI VỚI …,**" then "**ĐẠI BIỂU HỘI ĐỒNG NHÂN DÂN**": one item C. with its clauses.
    assert headings["H4.C"].startswith("C. XÁC MINH VÀ TRẢ LỜI")
    assert headings["H4.C.1"].startswith("1. Trách nhiệm xác minh")
    assert headings["H5"].startswith("BƯỚC NĂM")
    assert not any(h.startswith("ĐẠI BIỂU HỘI ĐỒNG NHÂN DÂN") for h in headings.values())


def test_luongminh_annexed_forms_headed_by_their_title_not_the_motto():
    norm, s = parse_file(LUONGMINH / "25-11-KH thuc hien HN hiep thuong (Lương Minh).docx")
    headings = [x.heading for x in s.sections]
    assert not any(h.startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA") for h in headings)
    assert any(h.startswith("BIÊN BẢN HỘI NGHỊ CỬ TRI NƠI CÔNG TÁC") for h in headings)


@pytest.mark.shared
def test_all_real_pdfs_and_docx_parse_sensibly():
    files = sorted(NINHBINH.glob("*.pdf")) + sorted(LUONGMINH.glob("*.docx"))
    assert len(files) >= 18
    typed = 0
    for path in files:
        norm, s = parse_file(path)
        if s.doc_type:
            typed += 1
            assert s.doc_type in {"Kế hoạch", "Quyết định", "Hướng dẫn", "Công văn"}, path.name
        if s.doc_number:
            assert s.doc_number.startswith(("/", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")), path.name
        for section in s.sections:
            assert 0 <= section.start < section.end <= len(norm.text)
    assert typed >= len(files) - 1  # 968.pdf is a poor OCR text layer ("QUYET DINH")


@pytest.mark.slow
def test_vbpl_legal_texts():
    rows = [json.loads(line) for line in VBPL.read_text(encoding="utf-8").splitlines()][:300]
    checked = 0
    for row in rows:
        slug = row["slug"]
        norm = normalize_pages([row["text"]])
        s = parse_structure(norm.text)
        if not slug.startswith(("nghi-dinh-so-", "luat-", "thong-tu-so-")) or not s.doc_number:
            continue
        expected = {"nghi-dinh-so-": "Nghị định", "luat-": "Luật", "thong-tu-so-": "Thông tư"}
        assert s.doc_type == next(v for k, v in expected.items() if slug.startswith(k)), row["id"]
        if "Điều 1." in norm.text:
            assert any(x.path == "Đ1" for x in s.sections), row["id"]
        checked += 1
    assert checked >= 80


# --- small texts: layouts the seeds do not show ------------------------------------------------------------------

PARTY = """ĐẢNG BỘ TỈNH QUẢNG NGÃI
BAN DÂN VẬN
*
Số 10-KH/BDVTU
ĐẢNG CỘNG SẢN VIỆT NAM
Quảng Ngãi, ngày 03 tháng bốn năm 2018

KẾ HOẠCH
tổ chức hội nghị

Căn cứ Hướng dẫn số 36-HD/VPTW, Ban Dân vận Tỉnh ủy xây dựng Kế hoạch như sau:
I. MỤC ĐÍCH
1. Nâng cao nhận thức.
a) Cán bộ nắm vững.
b) Đảng viên gương mẫu.
2. Thực hiện tốt.
- Một gạch đầu dòng không phải mục.
II. TỔ CHỨC THỰC HIỆN
Các ban thực hiện.

T/M BAN THƯỜNG VỤ
PHÓ TRƯỞNG BAN

Nguyễn Văn An
"""


def test_party_layout():
    s = parse_structure(PARTY)
    assert s.doc_number == "10-KH/BDVTU" and s.doc_type == "Kế hoạch"
    assert s.issuers == ["ĐẢNG BỘ TỈNH QUẢNG NGÃI BAN DÂN VẬN"]
    assert s.date == "2018-04-03"  # month written in words
    assert s.title == "tổ chức hội nghị"
    assert [x.path for x in s.sections] == ["I", "I.1", "I.1.a", "I.1.b", "I.2", "II"]
    assert s.signatures[0].authority == "T/M" and s.signatures[0].name == "Nguyễn Văn An"
    assert s.references == ["36-HD/VPTW"]


LAW = """QUỐC HỘI
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Luật số: 121/2025/QH15
Hà Nội, ngày 10 tháng 12 năm 2025
LUẬT
HOẠT ĐỘNG GIÁM SÁT
Căn cứ Hiến pháp;
Chương I
NHỮNG QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Luật này quy định về hoạt động giám sát.
Điều 2. Giải thích từ ngữ
1. Giám sát là việc theo dõi.
a) điểm một;
b) điểm hai.
2. Chủ thể giám sát là Quốc hội.
Chương II
GIÁM SÁT CỦA QUỐC HỘI
Mục 1. CHẤT VẤN
Điều 3. Chất vấn
Nội dung.
CHỦ TỊCH QUỐC HỘI
(Đã ký)
Trần Thanh Mẫn
"""


def test_legal_layout_chapters_articles_clauses():
    s = parse_structure(LAW)
    assert s.doc_type == "Luật" and s.doc_number == "121/2025/QH15"
    assert s.title == "HOẠT ĐỘNG GIÁM SÁT" and s.issuers == ["QUỐC HỘI"]
    paths = [x.path for x in s.sections]
    assert paths == ["ChI", "Đ1", "Đ2", "Đ2.1", "Đ2.1.a", "Đ2.1.b", "Đ2.2", "ChII", "ChII.M1", "Đ3"]
    headings = {x.path: x.heading for x in s.sections}
    assert headings["ChI"] == "Chương I. NHỮNG QUY ĐỊNH CHUNG"
    assert headings["Đ2"] == "Điều 2. Giải thích từ ngữ"
    levels = {x.path: x.level for x in s.sections}
    assert levels["ChI"] < levels["Đ2"] < levels["Đ2.1"] < levels["Đ2.1.a"]
    assert s.signatures[0].name == "Trần Thanh Mẫn" and s.signatures[0].position == "CHỦ TỊCH QUỐC HỘI"
    assert s.year == 2025


def test_interleaved_columns_and_cong_van():
    text = ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "TỈNH NINH BÌNH Độc lập - Tự do - Hạnh phúc\n"
            "Số: /UBND-VP7 Ninh Bình, ngày tháng 11 năm 2024\n"
            "V/v tuyển chọn và gọi công dân\nnhập ngũ năm 2025\n\n"
            "Kính gửi: Bộ Chỉ huy Quân sự tỉnh\n\nUBND tỉnh nhận được Văn bản số 4705/HD-BQP.\n"
            "Nơi nhận: TM. ỦY BAN NHÂN DÂN\n- Như trên;\n- Lưu: VT, VP2.\n\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nTống Quang Thìn\n")
    s = parse_structure(text)
    assert s.doc_type == "Công văn" and s.doc_number == "/UBND-VP7"
    assert s.issuers == ["ỦY BAN NHÂN DÂN TỈNH NINH BÌNH"]
    assert s.place == "Ninh Bình" and s.date == "2024-11"
    assert s.title == "tuyển chọn và gọi công dân nhập ngũ năm 2025"
    assert s.recipients == ["Như trên"]
    block = s.signatures[0]
    assert (block.name, block.authority, block.position, block.organisation) == \
        ("Tống Quang Thìn", "KT.", "PHÓ CHỦ TỊCH", "ỦY BAN NHÂN DÂN")


def test_bold_and_markdown_headings_without_numbers():
    text = "Mở đầu.\n\n## Tổng quan\n\nNội dung một.\n\n**Phần việc cụ thể**\n**kéo dài hai dòng**\n\nNội dung hai.\n"
    s = parse_structure(text)
    assert [(x.path, x.heading) for x in s.sections] == [
        ("H1", "Tổng quan"), ("H1.H1", "Phần việc cụ thể kéo dài hai dòng")]
    # The same layout as marks, with one bold pair over both lines (a DOCX paragraph with a line break).
    norm = normalize_pages([text.replace("cụ thể**\n**kéo", "cụ thể\nkéo")], markup=True)
    assert "*" not in norm.text and "#" not in norm.text
    marked = parse_structure(norm.text, marks=norm.marks)
    assert [(x.path, x.heading) for x in marked.sections] == [(x.path, x.heading) for x in s.sections]
    assert norm.text[marked.sections[1].start:].startswith("Phần việc cụ thể\nkéo dài hai dòng\n\nNội dung hai.")


def test_missing_values_stay_empty():
    s = parse_structure("Một đoạn văn bình thường không có đầu văn bản, không có số, không có ngày.")
    assert (s.doc_type, s.doc_number, s.title, s.place, s.date, s.year) == (None,) * 6
    assert s.issuers == [] and s.signatures == [] and s.recipients == [] and s.sections == []
    assert s.body_end is None


@pytest.mark.parametrize("raw, normalised, key", [
    ("80 /KH-UBND", "80/KH-UBND", "80/KH-UBND"),
    ("10.KH/BDVTU-BCSDUBND", "10-KH/BDVTU-BCSDUBND", "10-KH/BDVTU-BCSDUBND"),
    ("120-KH/BDVTU-BCSĐUBND", "120-KH/BDVTU-BCSĐUBND", "120-KH/BDVTU-BCSDUBND"),
    ("45 /QĐ - UBND", "45/QĐ-UBND", "45/QD-UBND"),
])
def test_number_normalisation(raw, normalised, key):
    assert normalize_number(raw) == normalised
    assert number_key(raw) == key


def test_references_exclude_own_number_dates_and_forms():
    text = ("Căn cứ Nghị định số 59/2023/NĐ-CP ngày 14/8/2023, Kế hoạch số 80 /KH-UBND, Kế hoạch 10.KH/BDVTU, "
            "tỷ lệ 1/500, giai đoạn 2021-2025, theo mẫu số 01/HNCT và Chỉ thị số 30/CT-\nTTg.")
    assert find_references(text, own_number="80/KH-UBND") == ["59/2023/NĐ-CP", "10-KH/BDVTU", "30/CT-TTg"]


@pytest.mark.parametrize("number, doc_type", [
    ("80/KH-UBND", "Kế hoạch"), ("887/UBND-NC", "Công văn"), ("59/2023/NĐ-CP", "Nghị định"),
    ("1374-QĐ/HU", "Quyết định"), ("121/2025/QH15", "Luật"), ("/KH-BQLKKT", "Kế hoạch"), ("15/TTr-SNV", "Tờ trình"),
])
def test_type_from_number(number, doc_type):
    assert type_from_number(number) == doc_type


def test_recipient_annotations_removed():
    text = ("I. Nội dung\n1. Làm việc.\n\nNơi nhận:\n- Ban Dân vận TW,\n- Thường trực Tỉnh ủy, } (báo cáo)\n"
            "- Sở Nội vụ (b/c);\n- Uỷ ban Kiểm tra Đảng uỷ, Ban xây dựng Đảng,\nVP Đảng uỷ;\n- Lưu: VT.\n\n"
            "GIÁM ĐỐC\n\nVõ Văn Rân\n")
    s = parse_structure(text)
    assert s.recipients == ["Ban Dân vận TW", "Thường trực Tỉnh ủy", "Sở Nội vụ",
                            "Uỷ ban Kiểm tra Đảng uỷ, Ban xây dựng Đảng, VP Đảng uỷ"]
    assert s.body_end == text.index("Nơi nhận")
    assert s.sections[-1].end <= s.body_end


def test_table_rows_and_stray_numbers_are_not_items():
    text = ("I. QUY HOẠCH\n1. Cơ cấu sử dụng đất\n1.1 Đất ở hiện trạng 61.157,2 23,71\n"
            "4.1 Đất cây xanh 35.434,4 13,74\n2. Quy hoạch\n"
            "Diện tích là\n5. tầng cao tối đa\nII. HẠ TẦNG\n")
    assert [x.path for x in parse_structure(text).sections] == ["I", "I.1", "I.2", "II"]


_PIECES = list("IVXabcđĐ.:;,-*#/()|} \n\t0123456789") + [
    "Số: ", "ngày ", " tháng ", " năm 2024", "Nơi nhận:", "KT. ", "TM. ", "CHỦ TỊCH", "Nguyễn Văn A", "Điều ",
    "Chương ", "KẾ HOẠCH", "**", "## ", "Căn cứ ", "- ", "V/v ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "\n\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=120).map("".join) | st.text(max_size=300))
def test_parse_structure_never_raises(text):
    s = parse_structure(text)
    for section in s.sections:
        assert 0 <= section.start <= section.body_start <= section.end <= len(text)
    assert 0 <= s.body_start <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=120).map("".join))
def test_parse_structure_never_raises_with_marks(text):
    norm = normalize_pages([text], markup=True)
    s = parse_structure(norm.text, marks=norm.marks)
    for section in s.sections:
        assert 0 <= section.start <= section.body_start <= section.end <= len(norm.text)


def test_letter_d_stroke_is_not_an_article_and_repeated_heading_kept():
    text = ("A. Một\n1. Việc.\nB. Hai\nC. Ba\nD. Bốn\nĐ. Năm\n1. Việc năm.\n"
            "I. MỤC ĐÍCH\n1. Một.\nII. ĐỐI TƯỢNG\n1. Hai.\nII. NỘI DUNG\n1. Ba.\n")
    paths = [x.path for x in parse_structure(text).sections]
    assert paths[:7] == ["A", "A.1", "B", "C", "D", "Đ", "Đ.1"]
    assert paths[7:] == ["Đ.I", "Đ.I.1", "Đ.II", "Đ.II.1", "Đ.II", "Đ.II.1"]  # the source numbers II twice


def test_decision_formula_and_authority_line_head_nothing():
    text = ("QUYẾT ĐỊNH\nVề việc thành lập Tổ công tác\n\n**BAN THƯỜNG TRỰC ỦY BAN MTTQ VIỆT NAM XÃ**\n\n"
            "Căn cứ Luật số 85/2015/QH13;\n**QUYẾT ĐỊNH:**\n**Điều 1.** Thành lập Tổ.\n**Điều 2.** Hiệu lực.\n")
    s = parse_structure(text)
    assert s.doc_type == "Quyết định" and s.title == "Về việc thành lập Tổ công tác"
    assert [x.path for x in s.sections] == ["Đ1", "Đ2"]
