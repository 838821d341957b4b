"""The header block read on every layout: Markdown tables from web copies (cells with line breaks, <br>, italics),
DOCX tables, PDF columns interleaved line by line, dates split or left blank, legal and gazette titles, tham luận."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.pipeline import normalise
from indexer.read.readers import read_file
from indexer.structure.parse import parse_structure

from conftest import SHARED, need_shared  # noqa: E402 - the shared data folder (TRACUU_SHARED_DIR or ../shared)

REPO = Path(__file__).parents[1]
PLANS = SHARED / "data" / "plans-dev"
LEGACY = SHARED / "data" / "legacy-encodings" / "corpus" / "public-domain" / "tcvn3"
LUONGMINH = SHARED / "data" / "luongminh-docs"


def parse_text(tmp_path: Path, text: str, name: str = "doc.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    norm = normalise(read_file(path))
    return parse_structure(norm.text, marks=norm.marks)


def parse_path(path: Path):
    norm = normalise(read_file(path))
    return parse_structure(norm.text, marks=norm.marks)


# -- Markdown tables (web copies) ----------------------------------------------------------------------------------

WRAPPED_TABLE = """| **ỦY BAN NHÂN
DÂN
THÀNH PHỐ ĐÀ NẴNG**
-------
Số:
4521/KH-UBND | **CỘNG HÒA XÃ
HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc**
---------------
*Thành phố Đà
Nẵng, ngày 03 tháng 12 năm 2025* |
| --- | --- |

**KẾ HOẠCH**

**Triển khai chuyển đổi số năm 2026 trên địa bàn thành phố**

Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị;

I. MỤC ĐÍCH, YÊU CẦU

1. Đẩy mạnh chuyển đổi số.

| **Nơi nhận:**
- Như trên;
- Lưu: VT. | **TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH**

Trần Chí Cường |
"""


def test_markdown_table_with_line_breaks_inside_cells(tmp_path):
    s = parse_text(tmp_path, WRAPPED_TABLE)
    assert s.doc_number == "4521/KH-UBND"
    assert s.issuers == ["ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG"]
    assert (s.place, s.date, s.year) == ("Thành phố Đà Nẵng", "2025-12-03", 2025)
    assert (s.doc_type, s.title) == ("Kế hoạch", "Triển khai chuyển đổi số năm 2026 trên địa bàn thành phố")
    assert [b.name for b in s.signatures] == ["Trần Chí Cường"]
    assert s.signatures[0].organisation == "ỦY BAN NHÂN DÂN"
    assert s.recipients and s.recipients[0].startswith("Như trên")


def test_markdown_table_on_one_line_with_br(tmp_path):
    text = ("| **ỦY BAN NHÂN DÂN<br>TỈNH QUẢNG NGÃI**<br>-------<br>Số: 25/KH-UBND | **CỘNG HÒA XÃ HỘI CHỦ NGHĨA "
            "VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc**<br>---------------<br>*Quảng Ngãi, ngày 3 tháng 1 năm 2026* |\n"
            "|---|---|\n\n**KẾ HOẠCH**\n**Phòng chống thiên tai năm 2026**\n\nCăn cứ Luật Phòng, chống thiên tai;\n")
    s = parse_text(tmp_path, text)
    assert (s.doc_number, s.place, s.date) == ("25/KH-UBND", "Quảng Ngãi", "2026-01-03")
    assert s.issuers == ["ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"]
    assert s.title == "Phòng chống thiên tai năm 2026"


def test_markdown_table_in_two_rows(tmp_path):
    text = ("| ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc |\n"
            "|---|---|\n| Số: 12/KH-UBND | *Bình Định, ngày 5 tháng 1 năm 2026* |\n\nKẾ HOẠCH\nChuyển đổi số năm 2026\n")
    s = parse_text(tmp_path, text)
    assert (s.doc_number, s.place, s.date) == ("12/KH-UBND", "Bình Định", "2026-01-05")
    assert s.issuers == ["ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH"]


def test_italic_place_and_date_wrapped_outside_a_table(tmp_path):
    text = ("**ỦY BAN NHÂN DÂN**\n**THÀNH PHỐ ĐÀ NẴNG**\n\nSố: 4521/KH-UBND\n\n**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**\n"
            "**Độc lập - Tự do - Hạnh phúc**\n\n*Thành phố Đà\nNẵng, ngày 03 tháng 12 năm 2025*\n\n**KẾ HOẠCH**\n"
            "Chuyển đổi số\n")
    s = parse_text(tmp_path, text)
    assert (s.place, s.date) == ("Thành phố Đà Nẵng", "2025-12-03")


def test_rules_made_of_stars_are_not_italics(tmp_path):
    """"-*-" under the issuer must not glue the next lines together as if they were one italic phrase."""
    text = ("BỘ TÀI CHÍNH\n-*-\nSố: 40/2000/TT-BTC\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Hà Nội, ngày 15 tháng 5 năm 2000\n\nTHÔNG TƯ\nHướng dẫn thi hành\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.doc_number, s.place, s.date, s.issuers) == ("40/2000/TT-BTC", "Hà Nội", "2000-05-15", ["BỘ TÀI CHÍNH"])


# -- number and date split over lines, blank and year-only dates ----------------------------------------------------

def test_number_and_date_on_two_lines_each(tmp_path):
    text = ("SỞ NỘI VỤ\nSố:\n88/KH-SNV\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Hà Nội, ngày 03 tháng 12\nnăm 2025\n\nKẾ HOẠCH\nTổ chức hội nghị\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.doc_number, s.issuers, s.place, s.date) == ("88/KH-SNV", ["SỞ NỘI VỤ"], "Hà Nội", "2025-12-03")


def test_draft_dated_only_by_its_year_keeps_the_year_and_the_blank_number(tmp_path):
    text = ("ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố: /KH-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Độc lập - Tự do - Hạnh phúc\nLâm Đồng, ngày      tháng      năm 2026\n\nKẾ HOẠCH\nKiểm tra\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.doc_number, s.place, s.date, s.year) == ("/KH-UBND", "Lâm Đồng", "2026", 2026)


def test_date_with_day_left_blank_and_a_wholly_blank_date(tmp_path):
    s = parse_text(tmp_path, "VĂN PHÒNG CHÍNH PHỦ\nSố: /CĐ-VPCP\nHà Nội, ngày    tháng 10 năm 2025\n\nCÔNG ĐIỆN\nMời họp\n",
                   "a.txt")
    assert (s.place, s.date) == ("Hà Nội", "2025-10")
    s = parse_text(tmp_path, "VĂN PHÒNG CHÍNH PHỦ\nSố: /CĐ-VPCP\nHà Nội, ngày    tháng    năm\n\nCÔNG ĐIỆN\nMời họp\n",
                   "b.txt")
    assert (s.place, s.date, s.year) == ("Hà Nội", None, None)


def test_numeric_date_and_vv_subject_wrapped_on_a_capital(tmp_path):
    text = ("BỘ NỘI VỤ\nSố: 8977/BNV-TCPCP\nV/v trả lời đề nghị của\nSở Nội vụ tỉnh Lâm Đồng\n"
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHà Nội, ngày 03/12/2025\n\n"
            "Kính gửi: Sở Nội vụ tỉnh Lâm Đồng\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.place, s.date) == ("Hà Nội", "2025-12-03")
    assert s.title == "trả lời đề nghị của Sở Nội vụ tỉnh Lâm Đồng"


def test_a_citation_date_in_the_preamble_is_not_the_place_and_date(tmp_path):
    text = "Chính phủ\n\nCăn cứ Luật Tổ chức Chính phủ ngày 25 tháng 12 năm 2001;\n\nĐiều 1. Phạm vi\n"
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.place, s.date) == (None, None)


# -- PDF columns interleaved line by line ---------------------------------------------------------------------------

@pytest.mark.parametrize("top", [
    "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH HÀ TĨNH Độc lập - Tự do - Hạnh phúc\n",
    "ỦY BAN NHÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA\nDÂN TỈNH HÀ TĨNH VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n",
])
def test_interleaved_columns_do_not_leak_into_the_issuer(tmp_path, top):
    text = top + "Số: 45/KH-UBND Hà Tĩnh, ngày 3 tháng 12 năm 2025\n\nKẾ HOẠCH\nTổ chức hội nghị\n"
    s = parse_text(tmp_path, text, "doc.txt")
    assert s.issuers == ["ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH"]
    assert (s.doc_number, s.place, s.date) == ("45/KH-UBND", "Hà Tĩnh", "2025-12-03")


# -- DOCX tables ----------------------------------------------------------------------------------------------------

def _docx_header(path: Path, rows: list[tuple[list[str], list[str]]]) -> Path:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    table = document.add_table(rows=len(rows), cols=2)
    for row, (left, right) in zip(table.rows, rows):
        for cell, paragraphs in ((row.cells[0], left), (row.cells[1], right)):
            cell.paragraphs[0].text = paragraphs[0]
            for text in paragraphs[1:]:
                cell.add_paragraph(text)
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Kiểm tra công tác cải cách hành chính năm 2026")
    document.add_paragraph("")
    document.add_paragraph("I. MỤC ĐÍCH, YÊU CẦU")
    document.save(path)
    return path


@pytest.mark.parametrize("rows", [
    [(["ỦY BAN NHÂN DÂN", "TỈNH LÂM ĐỒNG", "Số: 15/KH-UBND"],
      ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Lâm Đồng, ngày 3 tháng 12 năm 2025"])],
    [(["ỦY BAN NHÂN DÂN", "TỈNH LÂM ĐỒNG"], ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]),
     (["Số:", "15/KH-UBND"], ["Lâm Đồng, ngày 3 tháng 12", "năm 2025"])],
])
def test_docx_header_table(tmp_path, rows):
    s = parse_path(_docx_header(tmp_path / "kh.docx", rows))
    assert (s.doc_number, s.place, s.date) == ("15/KH-UBND", "Lâm Đồng", "2025-12-03")
    assert s.issuers == ["ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"]
    assert (s.doc_type, s.title) == ("Kế hoạch", "Kiểm tra công tác cải cách hành chính năm 2026")


# -- legal documents, gazette titles, tham luận --------------------------------------------------------------------

def test_legal_title_naming_issuer_number_and_date(tmp_path):
    text = ("NGHỊ ĐỊNH\nCỦA CHÍNH PHỦ SỐ 29/1998/NĐ-CP NGÀY 11 THÁNG 5 NĂM 1998\n"
            "VỀ VIỆC BAN HÀNH QUY CHẾ THỰC HIỆN DÂN CHỦ Ở XÃ\n\nCHÍNH PHỦ\n\nCăn cứ Luật Tổ chức Chính phủ;\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.doc_type, s.doc_number, s.date) == ("Nghị định", "29/1998/NĐ-CP", "1998-05-11")
    assert s.issuers == ["CHÍNH PHỦ"]
    assert s.title == "VỀ VIỆC BAN HÀNH QUY CHẾ THỰC HIỆN DÂN CHỦ Ở XÃ"


def test_gazette_title_in_sentence_case(tmp_path):
    text = ("Nghị định của Chính phủ số 117/2003/NĐ-CP ngày 10/10/2003\nvề việc tuyển dụng, sử dụng và quản lý cán bộ\n"
            "trong các cơ quan nhà nước.\n\nChính phủ\n\nCăn cứ Luật Tổ chức Chính phủ ngày 25 tháng 12 năm 2001;\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.doc_type, s.doc_number, s.date, s.issuers) == ("Nghị định", "117/2003/NĐ-CP", "2003-10-10", ["CHÍNH PHỦ"])
    assert s.title == "về việc tuyển dụng, sử dụng và quản lý cán bộ trong các cơ quan nhà nước."
    assert s.place is None


def test_title_of_the_signing_authority_and_an_old_number(tmp_path):
    text = ("BỘ TÀI CHÍNH CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\n-0- Độc lập-Tự do-Hạnh phúc\n"
            "Số: 144 /2002/QĐ/BTC --------------------------------\nHà nội, ngày 22 tháng 11 năm 2002\n\n"
            "QUYẾT ĐỊNH CỦA BỘ TRƯỞNG BỘ TÀI CHÍNH\nvề việc sửa đổi mức thuế suất\n\nBỘ TRƯỞNG BỘ TÀI CHÍNH\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.doc_number, s.issuers, s.place, s.date) == ("144/2002/QĐ/BTC", ["BỘ TÀI CHÍNH"], "Hà nội", "2002-11-22")
    assert s.title == "về việc sửa đổi mức thuế suất"


def test_decree_title_on_the_type_line(tmp_path):
    s = parse_text(tmp_path, "NGHỊ ĐỊNH CỦA CHÍNH PHỦ Về quản lý thuế\n\nCăn cứ Luật Tổ chức Chính phủ;\n", "doc.txt")
    assert (s.doc_type, s.issuers, s.title) == ("Nghị định", ["CHÍNH PHỦ"], "Về quản lý thuế")


def test_misspelt_motto_does_not_hide_the_issuer(tmp_path):
    text = ("QUỐC HỘI\n-------\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộqc lập - Tự do - Hạnh phúc\n---------------\n"
            "Luật số: 83/2025/QH15\nHà Nội, ngày 24 tháng 6 năm 2025\n\nLUẬT\nSỬA ĐỔI LUẬT BẦU CỬ\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.doc_number, s.issuers, s.doc_type) == ("83/2025/QH15", ["QUỐC HỘI"], "Luật")


def test_tham_luan_presenter_is_the_issuer(tmp_path):
    text = ("THAM LUẬN\nGiải pháp xây dựng xã, phường không ma túy\ntiến tới thành phố không ma túy\n"
            "UBND Thành phố Hải Phòng\n\nKính thưa các đồng chí!\nTrong những năm qua …\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.doc_type, s.issuers) == ("Tham luận", ["UBND Thành phố Hải Phòng"])
    assert s.title == "Giải pháp xây dựng xã, phường không ma túy tiến tới thành phố không ma túy"


# -- real files ------------------------------------------------------------------------------------------------------

REAL = [
    (PLANS / "lamdong-vbai_KE-HOACH-KIEM-TRA-CCHC-2026.docx",
     {"doc_number": "/KH-UBND", "date": "2026", "place": "Lâm Đồng", "issuers": ["ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"]}),
    (PLANS / "lamdong-vbai_Ke-hoach-phat-dong-phong-trao-thi-dua-CCHC-nam-2026-tinh-Lam-Dong.docx",
     {"doc_number": "/KH-UBND", "date": "2026", "place": "Lâm Đồng"}),
    (PLANS / "lamdong-vbai_11.-UBND-TP.Hai-Phong.docx",
     {"doc_type": "Tham luận", "issuers": ["UBND Thành phố Hải Phòng"]}),
    (PLANS / "lamdong-vbai_10.-UBND-TP.-Ha-Noi.docx", {"doc_type": "Tham luận", "issuers": ["UBND Thành phố Hà Nội"]}),
]
REAL_SLOW = [  # .doc and scanned PDFs: LibreOffice or the OCR text layer
    (PLANS / "lamdong-vbai_Van-ban-8977-cua-Bo-Noi-vu.pdf",
     {"date": "2025", "place": "Hà Nội", "title": "trả lời đề nghị của Sở Nội vụ tỉnh Lâm Đồng"}),
    (PLANS / "lamdong-vbai_TTr-BC-CCHC-nam-2025.pdf", {"date": "2025", "place": "Lâm Đồng"}),
    (LEGACY / "2004-NghiDinh117_2003.doc",
     {"doc_type": "Nghị định", "doc_number": "117/2003/NĐ-CP", "date": "2003-10-10", "issuers": ["CHÍNH PHỦ"]}),
    (LEGACY / "2003-02144qd.doc", {"doc_number": "144/2002/QĐ/BTC", "issuers": ["BỘ TÀI CHÍNH"]}),
    (LEGACY / "2004-NghiDinh29_1998.doc", {"issuers": ["CHÍNH PHỦ"], "date": "1998-05-11"}),
    (LUONGMINH / "83_2025_QH15_663780.doc", {"issuers": ["QUỐC HỘI"], "doc_number": "83/2025/QH15"}),
]


def _check_real(path: Path, expected: dict) -> None:
    need_shared(*path.relative_to(SHARED).parts)
    s = parse_path(path)
    assert {key: getattr(s, key) for key in expected} == expected


@pytest.mark.parametrize("path, expected", REAL, ids=[p.name for p, _ in REAL])
def test_real_headers(path, expected):
    _check_real(path, expected)


@pytest.mark.slow
@pytest.mark.parametrize("path, expected", REAL_SLOW, ids=[p.name for p, _ in REAL_SLOW])
def test_real_headers_slow(path, expected):
    _check_real(path, expected)


@pytest.mark.parametrize("top", [
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc "
    "Số: 25/KH-UBND Quảng Ngãi, ngày 03 tháng 12 năm 2025\n",
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI CỘNG HÒA XÃ HỘI CHỦ\nNGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc "
    "Số: 25/KH-UBND Quảng\nNgãi, ngày 03 tháng 12 năm 2025\n",
])
def test_header_run_together_or_hard_wrapped_by_a_web_copy(tmp_path, top):
    s = parse_text(tmp_path, top + "\nKẾ HOẠCH\nPhòng chống thiên tai\n", "doc.txt")
    assert (s.doc_number, s.place, s.date) == ("25/KH-UBND", "Quảng Ngãi", "2025-12-03")
    assert s.issuers == ["ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"]


def test_stamp_and_filing_code_stay_out_of_the_issuer_and_ocr_dot_out_of_the_place(tmp_path):
    text = ("SAO Y; CÔNG AN TỈNH LÂM ĐỒNG; 03/02/2026; 15:40:13; +07:00\n\nỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA "
            "VIỆT NAM\nTỈNH LÂM ĐỒNG Độc lập - Tự do - Hạnh phúc\nXV80\nSố: /KH-UBND Lâm Đồng. ngày tháng năm 2026\n\n"
            "KẾ HOẠCH\nPhòng chống ma túy\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.issuers, s.place, s.date, s.doc_number) == (["ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG"], "Lâm Đồng", "2026", "/KH-UBND")


@pytest.mark.parametrize("line", [
    ". , ngày tháng năm", "...., ngày tháng năm", "Số: /KH . , ngày 3 tháng 4 năm 2025", "| . |\n|---|", "*, ngày*",
])
def test_odd_header_lines_never_raise(tmp_path, line):
    s = parse_text(tmp_path, line + "\n\nKẾ HOẠCH\nX\n", "doc.txt")
    assert s.doc_type == "Kế hoạch"


def test_words_of_the_motto_inside_a_title_stay(tmp_path):
    text = ("BỘ TÀI CHÍNH\nSố: 12/2025/TT-BTC\nHà Nội, ngày 3 tháng 4 năm 2025\n\nTHÔNG TƯ\n"
            "Quy chế hoạt động của Hội đồng thẩm định độc lập\n\nCăn cứ Luật;\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert s.title == "Quy chế hoạt động của Hội đồng thẩm định độc lập"


def test_columns_alternating_line_by_line(tmp_path):
    text = ("ỦY BAN NHÂN DÂN\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH NINH BÌNH\nĐộc lập - Tự do - Hạnh phúc\n"
            "Số: 12/KH-UBND\nNinh Bình, ngày 3 tháng 12 năm 2025\n\nKẾ HOẠCH\nTổ chức hội nghị\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.issuers, s.doc_number, s.place, s.date) == (["ỦY BAN NHÂN DÂN TỈNH NINH BÌNH"], "12/KH-UBND", "Ninh Bình",
                                                           "2025-12-03")


def test_vv_subject_inside_a_markdown_table_cell(tmp_path):
    text = ("| **ỦY BAN NHÂN DÂN<br>TỈNH GIA LAI**<br>Số: 315/UBND-VX<br>V/v triển khai kế hoạch<br>chuyển đổi số | "
            "**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**<br>*Gia Lai, ngày 4 tháng 2 năm 2026* |\n|---|---|\n\n"
            "Kính gửi: Các sở, ngành\n")
    s = parse_text(tmp_path, text)
    assert (s.doc_number, s.place, s.date) == ("315/UBND-VX", "Gia Lai", "2026-02-04")
    assert s.title == "triển khai kế hoạch chuyển đổi số"


def test_ocr_number_and_day_unreadable_in_interleaved_columns(tmp_path):
    text = ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nTỈNH HẢI DƯƠNG Độc lập - Tự do - Hạnh phúc\n"
            "Số: ÊŒ /QĐ-UBND Hải Dương, ngày |D tháng 01 năm 2011\nQUYẾT ĐỊNH\nVề việc tặng danh hiệu\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.place, s.date, s.issuers) == ("Hải Dương", "2011-01", ["ỦY BAN NHÂN DÂN TỈNH HẢI DƯƠNG"])


def test_place_after_the_vv_of_the_other_column(tmp_path):
    text = ("BỘ CÔNG AN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\nSố:69đ /BCA-C04\n"
            "V/v dự kiến mục tiêu, nhiệm vụ, kế hoạch Hà Nội, ngày |6 tháng 12 năm 2025\nđầu tư công trung hạn\n\n"
            "Kính gửi: Ủy ban nhân dân các tỉnh\n")
    s = parse_text(tmp_path, text, "doc.txt")
    assert (s.place, s.date, s.issuers) == ("Hà Nội", "2025-12", ["BỘ CÔNG AN"])
