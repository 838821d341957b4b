"""Old Office formats through LibreOffice (font runs kept for legacy encodings), OpenDocument, missing converter."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from bench.legacy_score import score_text
from indexer.errors import ReadError, UnsupportedFormat
from indexer.read.odf import parse_odf
from indexer.read.office import convert_with_soffice
from indexer.read.readers import read_file

SHARED = Path(__file__).resolve().parents[2] / "shared"
LEGACY = SHARED / "data" / "legacy-encodings"


def _rtf_escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        else:
            try:
                out.append(f"\\'{ch.encode('cp1252')[0]:02x}")
            except UnicodeEncodeError:
                out.append(f"\\u{ord(ch) if ord(ch) < 32768 else ord(ch) - 65536}?")
    return "".join(out)


def make_rtf(path: Path, paragraphs: list[tuple[int, str]]) -> Path:
    """An RTF with a .VnTime (f0), .VnTimeH (f1), VNI-Times (f2) and Times New Roman (f3) font table."""
    body = "".join(f"\\pard\\plain\\f{font} {_rtf_escape(text)}\\par\n" for font, text in paragraphs)
    path.write_text(
        "{\\rtf1\\ansi\\ansicpg1252\\deff3{\\fonttbl{\\f0\\fswiss\\fcharset0 .VnTime;}{\\f1\\fswiss\\fcharset0 .VnTimeH;}"
        "{\\f2\\fswiss\\fcharset0 VNI-Times;}{\\f3\\froman\\fcharset0 Times New Roman;}}\n" + body + "}",
        encoding="ascii",
    )
    return path


LEGACY_PARAGRAPHS = [
    (1, "uû ban nh©n d©n tØnh qu¶ng ng·i"),
    (0, "Sè: 80/KH-UBND"),
    (0, "Tæ chøc thùc hiÖn: ®Þnh kú hµng quý b¸o c¸o UBND tØnh (qua Së Néi vô)."),
    (2, "Caùc sôû, ban, ngaønh göûi baùo caùo tröôùc ngaøy 10/7/2020."),
    (3, "Nơi nhận: như trên."),
]
LEGACY_EXPECTED = [
    "UỶ BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
    "Số: 80/KH-UBND",
    "Tổ chức thực hiện: định kỳ hàng quý báo cáo UBND tỉnh (qua Sở Nội vụ).",
    "Các sở, ban, ngành gửi báo cáo trước ngày 10/7/2020.",
    "Nơi nhận: như trên.",
]


def _lines(pages: list[str]) -> list[str]:
    return [line.strip() for line in "\n".join(pages).splitlines() if line.strip()]


@pytest.fixture
def no_office_tools(tmp_path, monkeypatch):
    """A PATH with nothing on it: soffice and tesseract look uninstalled."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_missing_libreoffice_gives_a_clear_status(tmp_path, no_office_tools):
    doc = tmp_path / "ke-hoach.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(UnsupportedFormat, match=r"cần cài LibreOffice để đọc \.doc"):
        read_file(doc)
    sheet = make_rtf(tmp_path / "bang.rtf", [(3, "x")]).rename(tmp_path / "bang.xls")
    with pytest.raises(UnsupportedFormat, match=r"cần cài LibreOffice để đọc \.xls \(gói libreoffice-calc-nogui\)"):
        read_file(sheet)


def test_rtf_runs_are_converted_by_their_fonts(tmp_path):
    raw = read_file(make_rtf(tmp_path / "legacy.rtf", LEGACY_PARAGRAPHS))
    assert raw.format == "rtf"
    assert _lines(raw.pages) == LEGACY_EXPECTED
    assert raw.encoding == "tcvn3+vni"


def test_odt_is_read_without_libreoffice(tmp_path, monkeypatch):
    source = make_rtf(tmp_path / "legacy.rtf", LEGACY_PARAGRAPHS)
    workdir = tmp_path / "convert"
    workdir.mkdir()
    odt = convert_with_soffice(shutil.which("soffice"), source, "odt", workdir, timeout=120)
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice from here on: the zip is parsed directly
    raw = read_file(odt)
    assert raw.format == "odt"
    assert _lines(raw.pages) == LEGACY_EXPECTED


def test_real_word97_document_in_unicode():
    raw = read_file(SHARED / "data" / "luongminh-docs" / "99_2025_NQ-HDND_685704.doc")
    assert raw.format == "doc"
    assert raw.encoding is None  # Unicode .doc: nothing converted
    text = "\n".join(raw.pages)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "99/2025/NQ-HĐND" in text
    assert len(raw.pages) >= 2  # LibreOffice's page breaks are kept


@pytest.mark.slow
@pytest.mark.parametrize(
    ("relative", "label"),
    [
        ("tcvn3/2004-NghiDinh29_1998.doc", "tcvn3"),
        ("tcvn3/2003-A06.rtf", "tcvn3"),
        ("tcvn3/2005-FDILangson.xls", "tcvn3"),
        ("vni/2008-23.QD-991-UBND.doc", "vni"),
        ("vni/2006-Mau22_CKTC_NSH.xls", "vni"),
        ("vni/2009-Van-ban-phap-quy-2-_10-02-09.ppt", "vni"),
    ],
)
def test_legacy_corpus_documents_reach_the_target(relative, label):
    path = LEGACY / "corpus" / "public-domain" / relative
    raw = read_file(path)
    assert raw.encoding == label
    truth = (LEGACY / "ground-truth" / f"{path.stem}.txt").read_text(encoding="utf-8")
    _, diacritic_nocase, _, marked = score_text(truth, "\n".join(raw.pages))
    assert marked > 50
    assert diacritic_nocase >= 0.95


def test_damaged_office_files_are_refused(tmp_path):
    junk = tmp_path / "junk.doc"
    junk.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(6000))  # LibreOffice imports it as UTF-16 text
    with pytest.raises(ReadError, match="ký tự vô nghĩa|hỏng"):
        read_file(junk)
    truncated = tmp_path / "cut.xls"
    truncated.write_bytes((LEGACY / "corpus/public-domain/vni/2006-Mau21_CKTC_NSH.xls").read_bytes()[:3000])
    with pytest.raises(ReadError):
        read_file(truncated)


def test_a_hanging_converter_is_killed(tmp_path):
    fake = tmp_path / "soffice"
    pids = tmp_path / "pids"
    fake.write_text(f"#!/bin/sh\necho $$ > {pids}\nsleep 60 &\necho $! >> {pids}\nwait\n", encoding="utf-8")
    fake.chmod(0o755)
    source = make_rtf(tmp_path / "a.rtf", [(3, "x")])
    workdir = tmp_path / "work"
    workdir.mkdir()
    started = time.monotonic()
    with pytest.raises(ReadError, match="quá 1 giây"):
        convert_with_soffice(str(fake), source, "fodt", workdir, timeout=1)
    assert time.monotonic() - started < 15
    def alive(pid: str) -> bool:
        status = Path(f"/proc/{pid}/status")
        try:
            return "State:\tZ" not in status.read_text(encoding="utf-8")
        except FileNotFoundError:
            return False

    # SIGKILL is delivered at once but the kernel needs a moment to tear a process down (seen flaky under load).
    deadline = time.monotonic() + 3
    survivors = pids.read_text(encoding="utf-8").split()
    while survivors and time.monotonic() < deadline:
        survivors = [pid for pid in survivors if alive(pid)]
        time.sleep(0.05)
    assert not survivors, f"processes {survivors} survived"


FLAT_ODT = b"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0">
 <office:font-face-decls>
  <style:font-face style:name="VnT" svg:font-family=".VnTime"/>
  <style:font-face style:name="VnTH" svg:font-family="&apos;.VnTimeH&apos;"/>
 </office:font-face-decls>
 <office:styles>
  <style:default-style style:family="paragraph"><style:text-properties style:font-name="VnT"/></style:default-style>
  <style:style style:name="Heading" style:family="paragraph"><style:text-properties style:font-name="VnTH"/></style:style>
 </office:styles>
 <office:automatic-styles>
  <style:style style:name="P1" style:family="paragraph" style:parent-style-name="Heading"/>
  <style:style style:name="T1" style:family="text"><style:text-properties fo:font-family="Times New Roman"/></style:style>
 </office:automatic-styles>
 <office:body>
  <office:text>
   <text:p text:style-name="P1">c\xc3\xa9ng ho\xc2\xb5</text:p>
   <text:p>H\xc2\xb5<text:s text:c="2"/>N\xc3\xa9i<text:tab/><text:span text:style-name="T1">Vi\xe1\xbb\x87t</text:span><text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>ch\xc3\xba th\xc3\xadch</text:p></text:note-body></text:note> xong</text:p>
   <text:soft-page-break/>
   <table:table><table:table-row><table:table-cell><text:p>trang hai</text:p></table:table-cell></table:table-row></table:table>
  </office:text>
 </office:body>
</office:document>"""


def test_odf_runs_carry_inherited_fonts_and_pages():
    content = parse_odf(FLAT_ODT)
    runs = [(text, font) for text, font in content.runs if text.strip()]
    assert runs[0] == ("c\u00e9ng ho\u00b5", ".VnTimeH")  # automatic style → parent style's font
    assert ("H\u00b5", ".VnTime") in runs  # paragraph without style → default paragraph font
    assert ("Vi\u1ec7t", "Times New Roman") in runs  # span font (fo:font-family)
    text = "".join(t for t, _ in content.runs)
    assert "H\u00b5  N\u00e9i\tVi\u1ec7t xong\n" in text  # the footnote does not split its sentence
    body, notes = text.split("\f")[1], text.rsplit("\n", 2)[-2]
    assert "trang hai" in body
    assert notes == "ch\u00fa th\u00edch"
