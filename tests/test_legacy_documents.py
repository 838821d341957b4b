"""Legacy encodings decided per document: TCVN3 PDFs by font name, .VnTimeH capitals, short ambiguous lines."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from indexer.pipeline import normalise
from indexer.read.formats.pdf_legacy import capitals_by_font, font_runs
from indexer.read.formats.tcvn3_case import recase_h_capitals
from indexer.read.legacy import convert_font_pieces, fix_legacy_text
from indexer.read.legacy_tables import TCVN3_CHARS
from indexer.read.readers import read_file
from indexer.structure.parse import parse_structure

from conftest import SHARED, need_shared  # the shared data folder (TRACUU_SHARED_DIR or ../shared)

CASE_12 = Path(__file__).resolve().parent / "data" / "12-pdf-tcvn3-text-layer"
LOWER = frozenset(chr(code) for code, letter in TCVN3_CHARS.items() if letter.islower())


def _structure(path: Path):
    raw = read_file(path)
    norm = normalise(raw)
    return raw, norm, parse_structure(norm.text, marks=norm.marks)


def test_case_12_tcvn3_pdf_reads_as_printed():
    case = json.loads((CASE_12 / "case.json").read_text(encoding="utf-8"))
    for name, expected in case["expected"]["docs"].items():
        raw, norm, structure = _structure(CASE_12 / name)
        assert raw.encoding == "tcvn3"
        assert structure.doc_number == expected["doc_number"]
        assert structure.date == expected["date"]
        assert expected["title_contains"] in (structure.title or "").lower()
        for exact in case["expected"]["doc_text_contains_exact"][name]:
            assert exact in norm.text
        assert "Số: 06/KH-UBND" in norm.text
        assert "UBND HUYỆN KIM BẢNG" in norm.text and "III. TỔ CHỨC THỰC HIỆN" in norm.text
        assert "Kim Bảng, ngày 15 tháng 02 năm 2005" in norm.text  # lowercase text stays lowercase


def _tcvn3_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "kh.txt"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return path


def test_short_line_that_looks_valid_follows_the_document_encoding(tmp_path):
    # "Sè" is a valid modern syllable, so the line alone reads as Unicode; in a TCVN3 document it is "Số".
    path = _tcvn3_file(tmp_path, [
        "Uû ban nh©n d©n huyÖn Kim B¶ng",
        "Sè: 12/KH-UBND",
        "Tæ chøc thùc hiÖn kÕ ho¹ch phßng chèng lôt b·o cña huyÖn n¨m 2005",
        "C¸c x·, thÞ trÊn b¸o c¸o kÕt qu¶ tr­íc ngµy 15 th¸ng 11 h»ng n¨m",
    ])
    raw = read_file(path)
    assert raw.encoding == "tcvn3"
    lines = raw.pages[0].splitlines()
    assert lines[1] == "Số: 12/KH-UBND"
    assert lines[3] == "Các xã, thị trấn báo cáo kết quả trước ngày 15 tháng 11 hằng năm"


def test_short_ambiguous_line_alone_is_left_as_it_is():
    # Without a TCVN3 document around it, "Sè" could be either: nothing decides, the text is kept.
    assert fix_legacy_text("Sè: 12/KH-UBND") == ("Sè: 12/KH-UBND", None)
    # A French word in a TCVN3 document is not turned into a non-word.
    text = "Tæ chøc thùc hiÖn kÕ ho¹ch phßng chèng lôt b·o cña huyÖn n¨m 2005 vµ c¸c n¨m sau\nCafé"
    fixed, encoding = fix_legacy_text(text)
    assert encoding == "tcvn3" and fixed.endswith("\nCafé")


def test_vntimeh_capitals_in_plain_text_by_context(tmp_path):
    path = _tcvn3_file(tmp_path, [
        "UBND HUYÖN KIM B¶NG",
        "KÕ HO¹CH",
        "NHIÖM Vô N¡M 2005",
        "Tæ chøc héi nghÞ tæng kÕt c«ng t¸c phßng chèng lôt b·o",
        "II. THêI GIAN, §ÞA §IÓM",
        "Sè: 06/KH-UBND",
    ])
    lines = read_file(path).pages[0].splitlines()
    assert lines == [
        "UBND HUYỆN KIM BẢNG",
        "KẾ HOẠCH",
        "NHIỆM VỤ NĂM 2005",
        "Tổ chức hội nghị tổng kết công tác phòng chống lụt bão",
        "II. THỜI GIAN, ĐỊA ĐIỂM",
        "Số: 06/KH-UBND",
    ]


def test_recase_rules():
    def recased(text):
        return recase_h_capitals(text, text.translate(TCVN3_CHARS), LOWER)

    assert recased("HO¹CH") == "HOẠCH"
    assert recased("KÕ") == "Kế"  # one capital and nothing around it: undecided, kept
    assert recased("Kim B¶ng") == "Kim Bảng"
    assert recased("Tæ CHøC\nTæ chøc") == "TỔ CHỨC\nTổ chức"  # neighbours count within the line only


def _legacy_font_pdf(lines: list[tuple[str, str]]) -> bytes:
    """A one-page PDF whose lines are (cp1252 text, BaseFont name) in WinAnsi Type1 fonts, as .VnTime PDFs are."""
    fonts = sorted({font for _, font in lines})
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", b""]
    body = []
    for k, (text, font) in enumerate(lines):
        escaped = text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        body.append(b"/F%d 12 Tf 72 %d Td (%s) Tj" % (fonts.index(font) + 1, 0 if k == 0 else -16, escaped))
    stream = b"BT 72 720 Td " + b" ".join(body) + b" ET"
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    font_refs = []
    for k, font in enumerate(fonts):
        objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % font.encode())
        font_refs.append(b"/F%d %d 0 R" % (k + 1, len(objects)))
    objects[2] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << %s >> >> "
                  b"/Contents 4 0 R >>" % b" ".join(font_refs))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, obj))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_pdf_vntimeh_words_typed_in_lowercase_come_out_in_capitals(tmp_path):
    # Typed in lowercase in .VnTimeH, printed in capitals: only the font name tells; plain scoring cannot.
    path = tmp_path / "kh.pdf"
    path.write_bytes(_legacy_font_pdf([
        ("uû ban nh©n d©n huyÖn kim b¶ng", ".VnTimeH"),
        ("Sè: 06/KH-UBND", ".VnTime"),
        ("kÕ ho¹ch", ".VnTimeH"),
        ("Tæ chøc thùc hiÖn nhiÖm vô phßng chèng lôt b·o n¨m 2005", ".VnTime"),
        ("vô", ".VnTimeH"),
    ]))
    runs = font_runs(path)
    assert runs is not None and any(font == ".VnTimeH" for _, font in runs[0])
    raw = read_file(path)
    assert raw.encoding == "tcvn3"
    lines = [line.strip() for line in raw.pages[0].splitlines() if line.strip()]
    assert lines == [
        "UỶ BAN NHÂN DÂN HUYỆN KIM BẢNG",
        "Số: 06/KH-UBND",
        "KẾ HOẠCH",
        "Tổ chức thực hiện nhiệm vụ phòng chống lụt bão năm 2005",
        "VỤ",
    ]


def test_pdf_without_legacy_fonts_has_no_font_runs(tmp_path):
    path = tmp_path / "plain.pdf"
    path.write_bytes(_legacy_font_pdf([("Plain text", "Helvetica")]))
    assert font_runs(path) is None


def test_capitals_by_font_leaves_rearranged_text_alone():
    runs = [("kÕ ho¹ch", ".VnTimeH"), ("\nkÕ ho¹ch n¨m 2005", ".VnTime")]
    assert capitals_by_font("kế hoạch\nkế hoạch năm 2005", runs) == "KẾ HOẠCH\nkế hoạch năm 2005"
    # Words the reader merged or repaired are not matched and stay as they are.
    assert capitals_by_font("kếhoạch", runs) == "kếhoạch"


def test_docx_runs_in_vntimeh_and_vntime(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for runs in (
        [("ñy ban nh©n d©n", ".VnTimeH")],
        [("kÕ ho¹ch", ".VnTimeH")],
        [("Sè: 06/KH-UBND", ".VnTime")],
        [("Tæ chøc thùc hiÖn ", ".VnTime"), ("nhiÖm vô", ".VnTimeH"), (" n¨m 2005", ".VnTime")],
        [("Báo cáo tình hình", ".VnTime")],  # Unicode typed in a legacy font: kept
        [("Tæ", None)],  # no font: follows the document
    ):
        paragraph = document.add_paragraph()
        for text, font in runs:
            run = paragraph.add_run(text)
            if font:
                run.font.name = font
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).paragraphs[0].add_run("Hµ Néi").font.name = ".VnTime"
    table.cell(0, 1).paragraphs[0].add_run("céng hoµ x· héi chñ nghÜa viÖt nam").font.name = ".VnTimeH"
    path = tmp_path / "kh.docx"
    document.save(path)
    raw = read_file(path)
    assert raw.encoding == "tcvn3"
    lines = [line for line in raw.pages[0].splitlines() if line]
    assert lines == [
        "ỦY BAN NHÂN DÂN",
        "KẾ HOẠCH",
        "Số: 06/KH-UBND",
        "Tổ chức thực hiện NHIỆM VỤ năm 2005",
        "Báo cáo tình hình",
        "Tổ",
        "Hà Nội",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    ]


def test_docx_without_legacy_fonts_is_left_as_it_is(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("Sè liệu")  # not a legacy font, not a legacy document: kept
    document.add_paragraph("Kế hoạch số 12/KH-UBND")
    path = tmp_path / "plain.docx"
    document.save(path)
    raw = read_file(path)
    assert raw.pages[0].splitlines() == ["Sè liệu", "Kế hoạch số 12/KH-UBND"]
    assert raw.encoding == "utf-8"


def test_convert_font_pieces_keeps_unicode_in_a_legacy_font():
    texts, used = convert_font_pieces([("Báo cáo tình hình thực hiện", ".VnTime")])
    assert texts == ["Báo cáo tình hình thực hiện"] and not used
    texts, used = convert_font_pieces([("kÕ ho¹ch ", ".VnTimeH"), ("sè 5", ".VnTime")])
    assert texts == ["KẾ HOẠCH ", "số 5"] and used["tcvn3"] > 0


@pytest.mark.parametrize(("font", "uppercase"), [
    ("VnTimeHBold", True), ("GDNPMG+VnTimeHBold", True), (".VnArialH,Italic", True), (".VnTimeH-BoldItalic", True),
    ("VnTimeBold", False), ("FBHPEM+VnTime", False), (".VnArial Narrow", False), (".VnBlack", False),
])
def test_capital_fonts_with_a_style_in_their_pdf_name(font, uppercase):
    from indexer.read.legacy import is_uppercase_font

    assert is_uppercase_font(font) is uppercase


LEGACY = SHARED / "data" / "legacy-encodings"


@pytest.mark.parametrize(("name", "printed"), [
    ("2006-16EZE_TT01.06GopvonDNNVV.pdf", ["NGÂN HÀNG NHÀ NƯỚC", "THÔNG TƯ", "01/2006/TT-NHNN"]),
    ("2006-19412_QD115.04TTg_BLTch_DNNVV.pdf", ["CỦA THỦ TƯ", "CHÍNH PHỦ SỐ 115/2004/QĐ-TTG", "Căn cứ Luật Tổ chức"]),
])
def test_real_tcvn3_pdfs_read_as_printed(name, printed):
    """Public TCVN3 PDFs (legacy-encodings corpus): ground truth ignoring case, and the capital-font lines in capitals
    as the rendered page shows them (the transcripts keep the lowercase keystrokes of .VnTimeH text)."""
    from bench.legacy_score import score_text

    path = need_shared("data", "legacy-encodings", "corpus", "public-domain", "tcvn3", name)
    raw = read_file(path)
    text = "\n".join(raw.pages)
    _, nocase, _, marked = score_text((LEGACY / "ground-truth" / f"{path.stem}.txt").read_text(encoding="utf-8"), text)
    assert marked > 300 and nocase >= 0.97
    for phrase in printed:
        assert phrase in text


def test_fix_legacy_lines_keeps_lines_with_their_own_breaks_in_place():
    from collections import Counter

    from indexer.read.legacy import fix_legacy_lines

    lines = ["Số: 06/KH-UBND", "Tæ chøc thùc hiÖn\nkÕ ho¹ch n¨m 2005", "Hà Nội", "c¸c x·, thÞ trÊn"]
    text, encoding = fix_legacy_lines(lines, {"Số: 06/KH-UBND", "Hà Nội"}, Counter({"tcvn3": 40}))
    assert text.split("\n") == ["Số: 06/KH-UBND", "Tổ chức thực hiện", "kế hoạch năm 2005", "Hà Nội", "các xã, thị trấn"]
    assert encoding == "tcvn3"


def test_a_legacy_font_run_partly_retyped_in_unicode_is_still_converted():
    # "thiết", "phụ" retyped in Unicode inside a .VnTime cell: the TCVN3 words around them still need converting.
    texts, used = convert_font_pieces([("M¸y mãc thiết bÞ, phụ tïng", ".VnTime")])
    assert texts == ["Máy móc thiết bị, phụ tùng"] and used["tcvn3"] > 0
    # All Unicode in a .VnTime cell: converting would only turn "trì" into "trỡ"; it is kept.
    texts, used = convert_font_pieces([("Cơ quan chủ trì", ".VnTime")])
    assert texts == ["Cơ quan chủ trì"] and not used
