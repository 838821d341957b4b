"""Old and odd formats: LibreOffice output formats tried in turn, annex tables as rows, .xlsx workbooks as tables."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import indexer.read.formats.xlsx as xlsx_module
import indexer.read.office as office
from indexer.errors import ReadError
from indexer.read.odf import parse_odf

from test_office import _rtf_escape  # the RTF writer of the older office tests
from indexer.read.readers import read_file

needs_soffice = pytest.mark.skipif(office.soffice_binary() is None, reason="LibreOffice is not installed")




def _rtf_table(rows: list[list[str]], font: int) -> str:
    width = 9000 // len(rows[0])
    cells = "".join(f"\\cellx{width * (k + 1)}" for k in range(len(rows[0])))
    out = []
    for row in rows:
        body = "".join(f"\\pard\\intbl\\plain\\f{font} {_rtf_escape(cell)}\\cell " for cell in row)
        out.append(f"\\trowd{cells}{body}\\row\n")
    return "".join(out) + "\\pard\n"


def make_rtf(path: Path, parts: list[str]) -> Path:
    """An RTF with a .VnTime (f0), .VnTimeH (f1) and Times New Roman (f3) font table; `parts` is RTF body code."""
    path.write_text(
        "{\\rtf1\\ansi\\ansicpg1252\\deff3{\\fonttbl{\\f0\\fswiss\\fcharset0 .VnTime;}{\\f1\\fswiss\\fcharset0 .VnTimeH;}"
        "{\\f2\\fswiss\\fcharset0 VNI-Times;}{\\f3\\froman\\fcharset0 Times New Roman;}}\n" + "".join(parts) + "}",
        encoding="ascii",
    )
    return path


def _para(font: int, text: str) -> str:
    return f"\\pard\\plain\\f{font} {_rtf_escape(text)}\\par\n"


LEGACY_DOC = [
    _para(1, "uû ban nh©n d©n tØnh qu¶ng ng·i"),
    _para(0, "Sè: 80/KH-UBND"),
    _para(0, "Tæ chøc thùc hiÖn kÕ ho¹ch cña Uû ban nh©n d©n tØnh n¨m 2020."),
]


def _lines(raw) -> list[str]:
    return [line.strip() for line in "\n".join(raw.pages).splitlines() if line.strip()]


@pytest.fixture
def failing_formats(monkeypatch):
    """Make LibreOffice 'fail' for the given output formats (the others really convert); records every attempt."""
    real = office.convert_with_soffice
    attempts: list[str] = []
    failing: set[str] = set()

    def convert(binary, path, target, workdir, timeout):
        attempts.append(target)
        if target in failing:
            raise ReadError(f"LibreOffice không mở được tệp {path.suffix}: giả lập lỗi {target}")
        return real(binary, path, target, workdir, timeout)

    monkeypatch.setattr(office, "convert_with_soffice", convert)
    return failing, attempts


@needs_soffice
def test_docx_output_when_the_flat_format_fails_keeps_fonts(tmp_path, failing_formats):
    failing, attempts = failing_formats
    failing.add("fodt")
    raw = read_file(make_rtf(tmp_path / "kh.rtf", LEGACY_DOC))
    assert attempts == ["fodt", "docx"]
    assert raw.encoding == "tcvn3"
    assert _lines(raw) == [
        "UỶ BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
        "Số: 80/KH-UBND",
        "Tổ chức thực hiện kế hoạch của Uỷ ban nhân dân tỉnh năm 2020.",
    ]


@needs_soffice
def test_plain_text_output_when_the_richer_formats_fail(tmp_path, failing_formats):
    failing, attempts = failing_formats
    failing.update({"fodt", "docx", "odt"})
    raw = read_file(make_rtf(tmp_path / "kh.rtf", LEGACY_DOC))
    assert attempts == ["fodt", "docx", "odt", "txt:Text (encoded):UTF8"]
    assert raw.format == "rtf" and raw.encoding == "tcvn3"
    # Plain text has no font names: the .VnTimeH line typed in lowercase stays lowercase, the rest is converted.
    assert _lines(raw) == [
        "uỷ ban nhân dân tỉnh quảng ngãi",
        "Số: 80/KH-UBND",
        "Tổ chức thực hiện kế hoạch của Uỷ ban nhân dân tỉnh năm 2020.",
    ]


@needs_soffice
def test_html_output_is_the_last_resort(tmp_path, failing_formats):
    failing, attempts = failing_formats
    failing.update({"fodt", "docx", "odt", "txt:Text (encoded):UTF8"})
    table = _rtf_table([["STT", "Nhiệm vụ", "Đơn vị"], ["1", "Tuyên truyền", "Sở Tư pháp"]], 3)
    raw = read_file(make_rtf(tmp_path / "pl.rtf", [_para(3, "Phụ lục"), table]))
    assert attempts[-1] == "html"
    assert _lines(raw) == ["Phụ lục", "STT | Nhiệm vụ | Đơn vị", "1 | Tuyên truyền | Sở Tư pháp"]


def test_every_format_failing_names_them_all(tmp_path, monkeypatch):
    attempts = []

    def convert(binary, path, target, workdir, timeout):
        attempts.append(target)
        raise ReadError("LibreOffice không mở được tệp .doc: giả lập")

    monkeypatch.setattr(office, "soffice_binary", lambda: "/bin/true")
    monkeypatch.setattr(office, "convert_with_soffice", convert)
    doc = tmp_path / "hong.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ReadError, match=r"đã thử các định dạng fodt, docx, odt, txt, html"):
        read_file(doc)
    assert len(attempts) == 5


def test_a_timeout_is_not_tried_again(tmp_path, monkeypatch):
    attempts = []

    def convert(binary, path, target, workdir, timeout):
        attempts.append(target)
        raise office.ConversionTimeout("LibreOffice chuyển đổi quá 1 giây, bỏ qua tệp")

    monkeypatch.setattr(office, "soffice_binary", lambda: "/bin/true")
    monkeypatch.setattr(office, "convert_with_soffice", convert)
    doc = tmp_path / "treo.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ReadError, match="quá 1 giây"):
        read_file(doc)
    assert attempts == ["fodt"]


@needs_soffice
def test_rtf_annex_table_rows_stay_together_and_header_table_does_not(tmp_path):
    header = _rtf_table([["UBND TỈNH QUẢNG NGÃI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]], 3)
    annex = _rtf_table([
        ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
        ["1", "Rà soát thủ tục hành chính", "Sở Tư pháp", "Quý II/2026"],
        ["2", "B¸o c¸o kÕt qu¶", "Së Néi vô", "Tr\u00adíc 15/12"],
    ], 0)
    raw = read_file(make_rtf(tmp_path / "pl.rtf", [header, _para(3, "Phụ lục"), annex]))
    lines = _lines(raw)
    assert lines[:2] == ["UBND TỈNH QUẢNG NGÃI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]  # layout table: one cell a line
    assert "STT | Nhiệm vụ | Cơ quan chủ trì | Thời hạn" in lines
    assert "1 | Rà soát thủ tục hành chính | Sở Tư pháp | Quý II/2026" in lines
    assert "2 | Báo cáo kết quả | Sở Nội vụ | Trước 15/12" in lines  # .VnTime cells converted by font


TABLE_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">
 <office:body><office:text>
  <table:table><table:table-row>
   <table:table-cell><text:p>UBND X</text:p></table:table-cell><table:table-cell><text:p>CỘNG HÒA</text:p></table:table-cell>
  </table:table-row></table:table>
  <table:table><table:table-header-rows><table:table-row>
   <table:table-cell><text:p>STT</text:p></table:table-cell><table:table-cell><text:p>Việc</text:p></table:table-cell>
  </table:table-row></table:table-header-rows>
  <table:table-row><table:table-cell><text:p>1</text:p></table:table-cell>
   <table:table-cell><text:p>Rà soát</text:p><text:p>thủ tục</text:p></table:table-cell></table:table-row>
  <table:table-row><table:table-cell><text:p>2</text:p></table:table-cell><table:table-cell><text:p>Báo cáo</text:p></table:table-cell></table:table-row>
  <text:soft-page-break/>
  <table:table-row><table:table-cell><text:p>3</text:p></table:table-cell><table:table-cell><text:p>Tổng kết</text:p></table:table-cell></table:table-row>
  </table:table>
 </office:text></office:body>
</office:document>""".encode("utf-8")


def test_odf_data_table_rows_are_lines():
    text = "".join(t for t, _ in parse_odf(TABLE_FODT).runs)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines == ["UBND X", "CỘNG HÒA", "STT | Việc", "1 | Rà soát thủ tục", "2 | Báo cáo", "3 | Tổng kết"]
    assert "3 | Tổng kết" in text.split("\f")[1] and "2 | Báo cáo" in text.split("\f")[0]  # page breaks between rows kept


def _flat_table(rows: list[list[str]]) -> bytes:
    cells = "".join("<table:table-row>" + "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" for c in row)
                    + "</table:table-row>" for row in rows)
    return TABLE_FODT.replace(TABLE_FODT[TABLE_FODT.index(b"<office:text>"):TABLE_FODT.index(b"</office:text>")],
                              f"<office:text><table:table>{cells}</table:table>".encode("utf-8"))


def test_layout_tables_keep_one_cell_a_line():
    def lines(rows):
        text = "".join(t for t, _ in parse_odf(_flat_table(rows)).runs)
        return [line.strip() for line in text.splitlines() if line.strip()]

    # A whole form laid out in a table: the header with the motto (here in TCVN3 bytes), single-cell rows.
    form = [["TÊN DOANH NGHIỆP", "CéNG HOµ X· HéI CHñ NGHÜA VIÖT NAM"], ["Số:", "Ngày"], ["Địa chỉ", "Điện thoại"],
            ["Vốn", "Ngành"], ["Kính gửi: Phòng đăng ký kinh doanh"], ["1. Tên công ty"], ["2. Địa chỉ"]]
    assert lines(form)[:2] == ["TÊN DOANH NGHIỆP", "CéNG HOµ X· HéI CHñ NGHÜA VIÖT NAM"]
    mostly_single = [["A", "B"], ["C", "D"], ["E", "F"], ["G", "H"], ["I"], ["J"], ["K"], ["L"], ["M"]]
    assert lines(mostly_single)[:2] == ["A", "B"]
    assert lines([["STT", "Việc", "Hạn"], ["1", "Rà soát", "Quý II"]]) == ["STT | Việc | Hạn", "1 | Rà soát | Quý II"]


def _workbook(path: Path) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Phụ lục 1"
    sheet.append(["STT", "Nhiệm vụ", "Thời hạn", "Kinh phí"])
    sheet.append([1, "Rà soát\nthủ tục", dt.datetime(2026, 3, 31), 12.0])
    sheet.append([2, "Tæ chøc tËp huÊn", None, 2.5])
    sheet["B3"].font = Font(name=".VnTime")
    sheet.append([])
    sheet.append(["", "Tổng", "", "=D2+D3"])
    other = book.create_sheet("Sheet2")
    other.append(["Ghi chú", "Số liệu đến 30/6"])
    book.create_sheet("Trống")
    book.save(path)
    return path


def test_xlsx_sheets_are_pages_rows_are_lines(tmp_path):
    raw = read_file(_workbook(tmp_path / "phu-luc.xlsx"))
    assert raw.format == "xlsx" and raw.encoding == "tcvn3"
    assert len(raw.pages) == 2  # the empty sheet gives no page
    assert raw.pages[0].splitlines() == [
        "Phụ lục 1",
        "STT | Nhiệm vụ | Thời hạn | Kinh phí",
        "1 | Rà soát thủ tục | 2026-03-31 | 12",
        "2 | Tổ chức tập huấn | 2.5",
        "Tổng",  # a formula never computed by Excel has no saved value: an empty cell, not "=D2+D3"
    ]
    assert raw.pages[1].splitlines() == ["Ghi chú | Số liệu đến 30/6"]  # a default sheet name is no heading


def test_xlsx_reading_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_module, "MAX_CELLS", 5)
    raw = read_file(_workbook(tmp_path / "phu-luc.xlsx"))
    lines = "\n".join(raw.pages).splitlines()
    assert lines[-1].startswith("(Bảng tính dài hơn 5 ô")
    assert "Ghi chú | Số liệu đến 30/6" not in lines


def test_damaged_xlsx_is_a_read_error(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_module, "soffice_binary", lambda: None)
    path = tmp_path / "hong.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(ReadError):
        read_file(path)
