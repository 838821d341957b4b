"""File readers: encodings, PDF pages, DOCX paragraphs + tables + numbering, HTML, and the typed errors."""
from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import docx
import pypdf
import pytest
from docx.oxml import parse_xml

from indexer.errors import ReadError, UnsupportedFormat
from indexer.read.readers import decode_text, read_file
from indexer.text.vntext import normalize_pages

REPO = Path(__file__).parents[1]
SHARED = REPO.parent / "shared"
NINHBINH = SHARED / "data" / "ninhbinh-pdfs"
LUONGMINH = SHARED / "data" / "luongminh-docs"
LEGACY_DOCX = SHARED / "data" / "legacy-encodings" / "corpus" / "synthetic"
DATA = Path(__file__).parent / "data" / "readers"
SEED = next((REPO / "corpus").glob("002_*.txt"))
TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Windows-1258 bytes the way Vietnamese Windows writes them: ă â ê ô ơ ư đ precomposed, the tone as a mark."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in TONES)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES)) + tones)
    return "".join(out).encode("cp1258")


def make_pdf(pages: list[str | None]) -> bytes:
    """A minimal valid PDF; each page shows its ASCII text in Helvetica, or only draws a line when None."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        if text is None:
            stream = b"0 0 m 100 100 l S"
        else:
            lines = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in text.split("\n")]
            body = " T* ".join(f"({line}) Tj" for line in lines)
            stream = f"BT /F1 12 Tf 14 TL 72 720 Td {body} ET".encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % content
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


# ---- plain text encodings --------------------------------------------------------------------------------------------

def test_seed_copies_in_every_encoding_normalise_to_the_same_text(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    copies = {
        "utf8.txt": (text.encode("utf-8"), "utf-8"),
        "bom.txt": (b"\xef\xbb\xbf" + text.encode("utf-8"), "utf-8-sig"),
        "nfd.txt": (unicodedata.normalize("NFD", text).encode("utf-8"), "utf-8"),
        "cp1258.txt": (to_cp1258(text), "cp1258"),
        "utf16.txt": (text.encode("utf-16"), "utf-16"),
        "utf16le-nobom.txt": (text.encode("utf-16-le"), "utf-16"),
        "utf16be-nobom.md": (text.encode("utf-16-be"), "utf-16"),
        "crlf.txt": (text.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    }
    expected = normalize_pages([text]).text
    assert "Quảng Ngãi, ngày 26 tháng 6 năm 2020" in expected
    for name, (data, encoding) in copies.items():
        path = tmp_path / name
        path.write_bytes(data)
        raw = read_file(path)
        assert raw.encoding == encoding, name
        assert raw.format == path.suffix.lstrip(".")
        assert normalize_pages(raw.pages).text == expected, name
    # the cp1258 bytes really carry tones as combining marks (0xEC = U+0301), so NFC has work to do
    assert b"\xec" in copies["cp1258.txt"][0]


def test_cp1258_is_chosen_only_when_utf8_fails():
    assert decode_text("Sở Nội vụ".encode("utf-8")) == ("Sở Nội vụ", "utf-8")
    sentence = "Sở Nội vụ tổng hợp, báo cáo Ủy ban nhân dân tỉnh định kỳ hằng quý"
    # one damaged byte in otherwise valid UTF-8 stays UTF-8 (with a replacement character), not cp1258 mojibake
    assert decode_text(sentence.encode("utf-8") + b"\xe1") == (sentence + "\ufffd", "utf-8")
    # but short bytes that are mostly invalid UTF-8 are read as Windows-1258
    assert decode_text("Sở Nội".encode("utf-8") + b"\xe1") == ("Sá»Ÿ Ná»™iá", "cp1258")
    assert decode_text(to_cp1258("Đà Nẵng, ngày 1 tháng 2")) == ("Đà Nẵng, ngày 1 tháng 2", "cp1258")
    assert decode_text(b"plain ascii") == ("plain ascii", "utf-8")


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 8,
        b"\x00\x01\x02\x03PK\x03\x04" * 100,
        b"ELF\x7f" + bytes([0, 0, 1, 5, 3]) * 300,
    ],
)
def test_binary_junk_is_not_text(tmp_path, data):
    path = tmp_path / "junk.txt"
    path.write_bytes(data)
    with pytest.raises(ReadError, match="không phải văn bản|bảng mã"):
        read_file(path)


# ---- generic errors -------------------------------------------------------------------------------------------------

def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.docx"
    path.touch()
    with pytest.raises(ReadError, match="^tệp rỗng$"):
        read_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(ReadError, match="không mở được tệp"):
        read_file(tmp_path / "none.txt")


def test_max_bytes_is_checked_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * (3 * 1024 * 1024))
    with pytest.raises(ReadError, match=r"tệp quá lớn \(3\.0 MB > 2\.0 MB\)"):
        read_file(path, max_bytes=2 * 1024 * 1024)
    assert read_file(path, max_bytes=4 * 1024 * 1024).pages[0].startswith("aaa")


@pytest.mark.parametrize("name", ["bang.xyz", "anh.jpg", "README"])
def test_unknown_extension(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"some bytes")
    with pytest.raises(UnsupportedFormat, match="không được hỗ trợ"):
        read_file(path)


@pytest.fixture
def without_libreoffice(tmp_path, monkeypatch):
    # LibreOffice is installed for the tests; an empty PATH shows what a machine without it gets.
    (tmp_path / "empty-bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))


@pytest.mark.parametrize("ext", [".doc", ".rtf", ".xls", ".ppt"])
def test_office_formats_need_libreoffice(tmp_path, ext, without_libreoffice):
    path = tmp_path / f"van-ban{ext}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(UnsupportedFormat, match=rf"cần cài LibreOffice để đọc \{ext}"):
        read_file(path)


@pytest.mark.shared
def test_real_doc_files_are_unsupported_with_a_reason(without_libreoffice):
    docs = sorted(LUONGMINH.glob("*.doc"))
    assert len(docs) == 6
    for path in docs:
        with pytest.raises(UnsupportedFormat, match="LibreOffice"):
            read_file(path)


def test_doc_that_is_really_a_docx_is_read(tmp_path):
    document = docx.Document()
    document.add_paragraph("Kế hoạch số 12/KH-UBND")
    path = tmp_path / "ke-hoach.doc"
    document.save(str(path))
    raw = read_file(path)
    assert raw.format == "docx"
    assert raw.pages == ["Kế hoạch số 12/KH-UBND"]


# ---- PDF ------------------------------------------------------------------------------------------------------------

def test_pdf_pages_are_kept_apart(tmp_path):
    path = tmp_path / "three.pdf"
    path.write_bytes(make_pdf(["Trang mot\nUBND tinh", "2\nTrang hai", "Trang ba (cuoi)"]))
    raw = read_file(path)
    assert raw.format == "pdf"
    assert len(raw.pages) == 3
    assert "Trang mot" in raw.pages[0] and "UBND tinh" in raw.pages[0]
    assert raw.pages[1].split() == ["Trang", "hai"]  # the running page number "2" is not text
    assert "Trang ba (cuoi)" in raw.pages[2]
    norm = normalize_pages(raw.pages)
    assert norm.page_at(norm.text.index("Trang ba")) == 3


def test_pdf_without_text_layer_is_reported_as_scanned(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([None, None]))
    with pytest.raises(ReadError, match="bản quét"):
        read_file(path)


def test_pdf_encrypted_with_a_password(tmp_path):
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(make_pdf(["Bi mat"])))
    writer.encrypt(user_password="matkhau", owner_password="chu", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(ReadError, match="PDF bị mã hóa"):
        read_file(path)


def test_pdf_encrypted_with_an_empty_user_password_is_read(tmp_path):
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(make_pdf(["Cong khai"])))
    writer.encrypt(user_password="", owner_password="chu", algorithm="RC4-128")
    path = tmp_path / "open.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    assert "Cong khai" in read_file(path).pages[0]


@pytest.mark.parametrize("keep", [0.1, 0.3])
def test_truncated_pdf(tmp_path, keep):
    data = (NINHBINH / "193.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ReadError, match="không đọc được PDF"):
        read_file(path)


def test_junk_named_pdf(tmp_path):
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"this is not a pdf at all " * 20)
    with pytest.raises(ReadError, match="không đọc được PDF"):
        read_file(path)


@pytest.mark.shared
def test_all_ninhbinh_pdfs_read_with_text_on_every_page():
    pdfs = sorted(NINHBINH.glob("*.pdf"))
    assert len(pdfs) == 7
    for path in pdfs:
        raw = read_file(path)
        assert raw.format == "pdf"
        assert len(raw.pages) == len(pypdf.PdfReader(path).pages)
        assert all(page.strip() for page in raw.pages), path.name


def test_ninhbinh_193_page_three_is_page_three():
    raw = read_file(NINHBINH / "193.pdf")
    assert len(raw.pages) == 5
    assert "CHỦ NGHĨA VIỆT NAM" in raw.pages[0] and "Số:" in raw.pages[0]
    page3 = raw.pages[2]
    assert "4. Sở Nông nghiệp và Phát triển nông thôn" in page3
    assert "Trần Song Tùng" in page3
    assert not any("Trần Song Tùng" in raw.pages[i] for i in (0, 1, 3, 4))
    assert not page3.lstrip().startswith("3")
    norm = normalize_pages(raw.pages)
    assert norm.page_at(norm.text.index("Trần Song Tùng")) == 3
    assert norm.page_at(norm.text.index("Chỉ thị số 20-CT/TU")) == 1


# ---- DOCX -----------------------------------------------------------------------------------------------------------

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
DRAWING_RUN = f"""<w:r {W_NS}
  xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
  xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
  xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
  xmlns:v="urn:schemas-microsoft-com:vml">
<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:positionH relativeFrom="column">
<wp:posOffset>381000</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>2730500</wp:posOffset>
</wp:positionV><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>DỰ THẢO</w:t></w:r></w:p></w:txbxContent></wps:txbx>
</wps:wsp></wp:anchor></w:drawing></mc:Choice>
<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>DỰ THẢO</w:t></w:r></w:p></w:txbxContent>
</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"""


def build_plan_docx(path: Path) -> None:
    document = docx.Document()
    header = document.add_table(rows=1, cols=2)
    header.cell(0, 0).paragraphs[0].add_run("ỦY BAN NHÂN DÂN")
    header.cell(0, 0).add_paragraph("Số: 80/KH-UBND")
    header.cell(0, 1).paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold = True
    header.cell(0, 1).add_paragraph("Quảng Ngãi, ngày 26 tháng 6 năm 2020")
    line = document.add_paragraph()
    line._p.append(parse_xml(DRAWING_RUN))
    document.add_paragraph().add_run("KẾ HOẠCH").bold = True
    mixed = document.add_paragraph()
    mixed.add_run("1. Mục đích:").bold = True
    mixed.add_run(" nâng cao hiệu quả công tác dân vận.")
    split_word = document.add_paragraph()
    split_word.add_run("Đ").bold = True
    split_word.add_run("iều chỉnh kế hoạch.")
    document.add_paragraph("Sở Nội vụ tổng hợp", style="List Number")
    revised = document.add_paragraph("Báo cáo ")
    revised._p.append(parse_xml(f'<w:del {W_NS} w:id="1" w:author="a"><w:r><w:delText>hằng tháng</w:delText></w:r></w:del>'))
    revised._p.append(parse_xml(f'<w:ins {W_NS} w:id="2" w:author="a"><w:r><w:t>hằng quý</w:t></w:r></w:ins>'))
    document.add_paragraph("UBND các huyện thực hiện", style="List Number")
    signature = document.add_table(rows=1, cols=2)
    signature.cell(0, 0).paragraphs[0].add_run("Nơi nhận:").bold = True
    signature.cell(0, 0).add_paragraph("- Sở Nội vụ;")
    signature.cell(0, 1).paragraphs[0].add_run("KT. CHỦ TỊCH")
    signature.cell(0, 1).add_paragraph("Trần Ngọc Căng")
    document.save(str(path))


def test_docx_paragraphs_tables_numbering_and_bold(tmp_path):
    path = tmp_path / "ke-hoach.docx"
    build_plan_docx(path)
    raw = read_file(path)
    assert raw.format == "docx" and len(raw.pages) == 1
    lines = [line for line in normalize_pages(raw.pages).text.split("\n") if line]
    assert lines == [
        "ỦY BAN NHÂN DÂN",
        "Số: 80/KH-UBND",
        "**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**",
        "Quảng Ngãi, ngày 26 tháng 6 năm 2020",
        "DỰ THẢO",  # the text box once: its VML fallback copy and the anchor offsets are not text
        "**KẾ HOẠCH**",
        "**1. Mục đích:** nâng cao hiệu quả công tác dân vận.",
        "Điều chỉnh kế hoạch.",
        "1. Sở Nội vụ tổng hợp",  # Word list numbers are drawn, not typed: rendered from numbering.xml
        "Báo cáo hằng quý",  # tracked deletion left out, insertion kept
        "2. UBND các huyện thực hiện",
        "**Nơi nhận:**",
        "- Sở Nội vụ;",
        "KT. CHỦ TỊCH",
        "Trần Ngọc Căng",
    ]


@pytest.mark.parametrize("damage", ["junk", "truncated"])
def test_corrupt_docx(tmp_path, damage):
    path = tmp_path / "hong.docx"
    if damage == "junk":
        path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    else:
        build_plan_docx(path)
        path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ReadError, match="không đọc được DOCX"):
        read_file(path)


@pytest.mark.shared
def test_all_luongminh_docx_read_without_drawing_offsets():
    files = sorted(LUONGMINH.glob("*.docx"))
    assert len(files) == 12
    for path in files:
        text = normalize_pages(read_file(path).pages).text
        assert len(text) > 1000, path.name
        assert not re.search(r"\d{10,}", text), path.name


def test_luongminh_18_11_plan_header_and_signature():
    path = LUONGMINH / "18-11-KH thuc hien cong tac bau cu (Lương Minh).docx"
    text = normalize_pages(read_file(path).pages).text
    number = text.index("Số: 16/KH-MTTQ-BTT")
    assert number < text.index("Lương Minh, ngày 18 tháng 11 năm 2025") < text.index("**KẾ HOẠCH**")
    assert text.index("**I. MỤC ĐÍCH, YÊU CẦU**") < text.index("Nơi nhận:") < text.index("Lan Thị Vân")
    assert text.count("Lan Thị Vân") == 1


@pytest.mark.shared
def test_word_numbering_is_rendered_in_the_guidance_document():
    path = next(LUONGMINH.glob("HD hiệp thương*.docx"))
    lines = normalize_pages(read_file(path).pages).text.split("\n")
    assert "II. NỘI DUNG, TRÌNH TỰ, THỦ TỤC" in lines
    assert any(line.startswith("1. Hội nghị cử chủ tọa") for line in lines)
    assert any(line.startswith("2. Đại diện Thường trực Hội đồng nhân dân tỉnh") for line in lines)


@pytest.mark.shared
def test_vni_font_docx_files_read_without_error():
    # Synthetic .docx in a legacy VNI font: the reader returns the characters as stored (conversion is a later step).
    files = sorted(LEGACY_DOCX.glob("*.docx"))
    assert files
    for path in files:
        assert read_file(path).pages[0].strip(), path.name


# ---- HTML -----------------------------------------------------------------------------------------------------------

def test_word_html_export_in_windows_1258():
    raw = read_file(DATA / "word-export.htm")
    assert raw.format == "html" and raw.encoding == "cp1258"
    lines = normalize_pages(raw.pages).text.split("\n")
    assert [line for line in lines if line] == [
        "ỦY BAN NHÂN DÂN",
        "Số: 80/KH-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Quảng Ngãi, ngày 26 tháng 6 năm 2020",
        "KẾ HOẠCH",
        "1. Sở Nội vụ báo cáo UBND tỉnh định kỳ hàng quý & hằng năm.",
    ]


def test_html_utf8_wins_over_a_wrong_declaration(tmp_path):
    path = tmp_path / "trang.html"
    markup = '<meta charset="windows-1258"><h1>Kế hoạch</h1><p>Sở&nbsp;Nội vụ<br>hàng quý</p><ul><li>một</li></ul>'
    path.write_bytes(markup.encode("utf-8"))
    raw = read_file(path)
    assert raw.encoding == "utf-8"
    assert [line for line in normalize_pages(raw.pages).text.split("\n") if line] == [
        "Kế hoạch", "Sở Nội vụ", "hàng quý", "một",
    ]


def test_html_without_text(tmp_path):
    path = tmp_path / "rong.htm"
    path.write_text("<html><head><title>x</title></head><body><script>1</script></body></html>", encoding="utf-8")
    with pytest.raises(ReadError, match="không có chữ"):
        read_file(path)
