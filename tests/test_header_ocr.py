"""Headers of OCR'd scans: the type name with misread tones/hats or a doubled letter ("QUYÉT ĐỊNH", "KÉẺ HOẠCH"),
"Số" misread ("Só"), and a number whose digits are noise (the readable symbol part is kept as a blank number,
digits are never guessed); the trích yếu after the type line."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.structure.parse import parse_structure
from indexer.structure.references import OCR_NUMBER_LINE, ocr_number

from conftest import SHARED, need_shared  # noqa: E402 - the shared data folder (TRACUU_SHARED_DIR or ../shared)

PLANS = SHARED / "data" / "plans-dev"

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def _header(number_line: str, type_line: str, title: str = "Tổ chức Hội nghị triển khai công tác năm 2025") -> str:
    return (f"BỘ CÔNG AN {MOTTO}\nĐộc lập - Tự do - Hạnh phúc\n\n{number_line} Hà Nội, ngày 02 tháng 10 năm 2025\n\n"
            f"{type_line}\n{title}\n\nThực hiện Nghị quyết số 163/2024/QH15 của Quốc hội, Bộ Công an ban hành.\n\n"
            "I. MỤC ĐÍCH, YÊU CẦU\n\n1. Tổ chức quán triệt.\n")


@pytest.mark.parametrize("type_line, expected", [
    ("KÉẺ HOẠCH", "Kế hoạch"), ("KÉ HOẠCH", "Kế hoạch"), ("QUYÉT ĐỊNH", "Quyết định"), ("QUYET DINH", "Quyết định"),
    ("KÊ HOẠCH", "Kế hoạch"), ("THÔNG BẢO", "Thông báo"), ("QUY ĐỊNH", "Quy định"), ("KẾ HOẠCH", "Kế hoạch"),
])
def test_type_line_read_through_ocr_lookalikes(type_line, expected):
    s = parse_structure(_header("Số: 50/KH-BCA-C04", type_line))
    assert s.doc_type == expected
    assert s.title == "Tổ chức Hội nghị triển khai công tác năm 2025"


def test_lower_case_sentence_is_not_a_type_line():
    s = parse_structure(_header("Số: 50/BCA-C04", "Ke hoach nay duoc gui cac don vi"))
    assert s.doc_type == "Công văn" and s.title is None  # the type of a number without a type code
    assert parse_structure(_header("Số: 50/BCA-C04", "KÉ HOẠCH")).doc_type == "Kế hoạch"


@pytest.mark.parametrize("number_line, expected", [
    ("Số: 5Ø /KH-BCA-C04", "/KH-BCA-C04"),
    ("Só:đÓ6 /KH-TCTLNTW-C04", "/KH-TCTLNTW-C04"),
    ("Số: 36 Ÿ/QĐĐ-UBND", "/QĐĐ-UBND"),
    ("Số: ÊŒ /QĐ-UBND", "/QĐ-UBND"),
    ("Số: 3 49/C04-P6", "/C04-P6"),  # a digit may be lost in the gap: not joined
    ("Só: 80 /KH-UBND", "80/KH-UBND"),  # "Số" misread, digits readable
    ("Số: 80/KH-UBND", "80/KH-UBND"),
])
def test_noisy_number_keeps_the_readable_part(number_line, expected):
    s = parse_structure(_header(number_line, "KÉ HOẠCH"))
    assert s.doc_number == expected
    assert s.place == "Hà Nội" and s.date == "2025-10-02"


def test_ocr_number_line_only_at_a_line_start():
    assert OCR_NUMBER_LINE.search("Căn cứ Số: 5Ø /KH-BCA-C04") is None
    assert OCR_NUMBER_LINE.search("Sông Đà /KH-UBND") is None
    assert ocr_number(OCR_NUMBER_LINE.search("S6: 12 /TB-UBND")) == "12/TB-UBND"


def _parse_pdf(path: Path):
    from indexer.pipeline import normalise
    from indexer.read.readers import read_file

    norm = normalise(read_file(path))
    return parse_structure(norm.text, marks=norm.marks)


@pytest.mark.slow  # OCR of the scan: about a minute per page
@pytest.mark.parametrize("name, doc_type, number, title", [
    ("lamdong-vbai_1-589.signed.pdf", "Kế hoạch", "/KH-BCA-C04", "Tổ chức Hội nghị triển khai Chương trình"),
    ("lamdong-vbai_996KH-TCTLNTW-C04.pdf", "Kế hoạch", "/KH-TCTLNTW-C04", None),
    ("haiduong-scan_SCAN0097-QD-UBND-2011-scanned.pdf", "Quyết định", "/QĐ-UBND", "Về việc tặng danh hiệu"),
])
def test_real_scans(name, doc_type, number, title):
    path = need_shared("data", "plans-dev", name)
    s = _parse_pdf(path)
    assert (s.doc_type, s.doc_number) == (doc_type, number)
    if title:
        assert s.title.startswith(title)


# -- the signer at the end of an OCR'd scan --------------------------------------------------------------------------

BODY = ("KẾ HOẠCH\nTổ chức Hội nghị\n\nI. MỤC ĐÍCH\n\n1. Tổ chức quán triệt nội dung của Chương trình "
        "mục tiêu quốc gia.\n\n")


@pytest.mark.parametrize("tail, name", [
    # Nơi nhận read between position and name
    ("_— KT. CHỦ TỊCH\nt2 PHÓ CHỦ TỊCH\n\nNơi nhận:\n- Như điều 3;\n- Lưu: VT, N.chính (16B).\n\nLê Hồng Văn\n",
     "Lê Hồng Văn"),
    # the name after a list entry, a rank before it
    ("Nơi nhận:\n- Bộ Công an;\n- Thành viên Tô CTLNTW: SHHđ'eci € TRƯỞNG\n"
     "- Lưu: VT, P5. NMC (100b). Đại tá Bùi Duy Hưng\n", "Bùi Duy Hưng"),
    ("KT. BỘ TRƯỞNG\n-THU TRƯỞNG\n\nNơi n kẺ ân:\n- UBND các tỉnh;\nœ\nh\nThường-tướng Nguyên Văn Long\n",
     "Nguyên Văn Long"),
    # a filing code before the name
    ("Nơi nhận:\n- Như Điều 3;\n- Lưu: VT, các VP.\nKT. CHỦ TỊCH\nLQ_VP7_NV.2024 Phạm Quang Ngọc\n", "Phạm Quang Ngọc"),
])
def test_signer_read_from_a_broken_signature_block(tail, name):
    s = parse_structure(BODY + tail)
    assert [b.name for b in s.signatures] == [name]


@pytest.mark.parametrize("tail", [
    "KT. CHÁNH VĂN PHÒNG\nPH6 C VAN PHONG\n$ tl'|\nMinh Vfr\nt\n",  # a misread font: not a Vietnamese name
    "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n\nHà Nội Lâm Đồng\n",  # no position, authority or rank above
    "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\n" + "Dòng nội dung tiếp theo của văn bản.\n" * 30 + "Trần Văn Nam\n",  # cue far
])
def test_no_signer_guessed(tail):
    assert parse_structure(BODY + tail).signatures == []
