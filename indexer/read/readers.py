"""File readers: .txt/.md, .pdf, .docx and .html to RawText pages, with a typed error and a Vietnamese reason."""
from __future__ import annotations

import codecs
import functools
import logging
import re
import unicodedata
import zipfile
from html import parser as html_parser
from pathlib import Path
from typing import Callable

from indexer.errors import ReadError, UnsupportedFormat
from indexer.read.guards import check_pdf_streams, check_zip_file, os_reason, size_pair, sniff_extension
from indexer.read.legacy import decode_legacy_text, fix_legacy_lines, fix_legacy_text
from indexer.model import RawText
from indexer.read.formats.pdf_legacy import fix_pdf_legacy
from indexer.read.formats.xlsx import read_xlsx
from indexer.read.ocr import MISSING_TESSERACT, OcrUnavailable, ocr_pdf_pages, pages_to_ocr, prefer_ocr
from indexer.read.pdfcompat import expand_filter_abbreviations, pdfium_pages
from indexer.read.office import OFFICE_EXTENSIONS, read_office
from indexer.read.pdftext.layout import drop_page_furniture, join_wrapped_lines
from indexer.read.pdftext.spacing import rejoin_spaced_syllables

_MB = 1024 * 1024
# Office formats a LibreOffice conversion could turn into .docx/.pdf; other extensions are simply not documents.
_OFFICE = {".doc", ".rtf", ".odt", ".xls", ".xlsx", ".ods", ".ppt", ".pptx", ".odp", ".wpd", ".wps", ".dot", ".dotx"}


def read_file(path: Path, *, max_bytes: int | None = None) -> RawText:
    """Read one document. Raises UnsupportedFormat for types we do not read, ReadError for unreadable files."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(f"không mở được tệp: {os_reason(exc, path)}") from exc
    if not path.is_file():
        raise ReadError("không phải là tệp")
    try:  # one open before any reader: no permission is said as such, never as a damaged file
        path.open("rb").close()
    except OSError as exc:
        raise ReadError(f"không đọc được tệp: {os_reason(exc, path)}") from exc
    if size == 0:
        raise ReadError("tệp rỗng")
    if max_bytes is not None and size > max_bytes:
        raise ReadError(f"tệp quá lớn ({size_pair(size, max_bytes)}); đặt TRACUU_MAX_FILE_MB để đổi")
    ext = path.suffix.lower()
    sniffed = sniff_extension(path, ext)
    reader = _READERS.get(sniffed)
    if reader is read_office and sniffed != ext:  # an old Word file renamed .docx/.pdf: read as what it is
        reader = functools.partial(read_office, as_ext=sniffed)
    if sniffed == ".xlsx" and ext != ".xlsx":
        raise ReadError(f"tệp là bảng tính Excel (.xlsx) mang đuôi {ext}: đổi đuôi thành .xlsx rồi lập chỉ mục lại")
    if reader is None:
        shown = ext or "(không có phần mở rộng)"
        if ext in _OFFICE:
            raise UnsupportedFormat(f"định dạng {ext} cần chuyển sang .docx (cần cài LibreOffice để đọc {ext})")
        raise UnsupportedFormat(f"định dạng {shown} không được hỗ trợ")
    try:
        return reader(path)
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(f"không đọc được tệp: {os_reason(exc, path)}") from exc


# ---- plain text -----------------------------------------------------------------------------------------------------

def _read_text(path: Path) -> RawText:
    text, encoding = decode_text(path.read_bytes())
    text, legacy = _fix_legacy(text, encoding)
    return RawText(pages=[text], format=path.suffix.lower().lstrip(".") or "txt", encoding=legacy)


def _fix_legacy(text: str, encoding: str | None) -> tuple[str, str | None]:
    """TCVN3/VNI text inside already-decoded text (pasted from a .VnTime document, a PDF text layer)."""
    if encoding in ("tcvn3", "vni", "tcvn3+vni", "viscii"):
        return text, encoding
    fixed, legacy = fix_legacy_text(text)
    return fixed, legacy or encoding


def decode_text(data: bytes, legacy: str = "cp1258") -> tuple[str, str]:
    """Decode text bytes: BOM first, then UTF-16 by its NUL pattern, then UTF-8, then `legacy` (Windows-1258), NFC'd.

    UTF-8 is tried before any legacy code page because non-ASCII legacy text is almost never valid UTF-8.
    """
    for bom, codec, name in (
        (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
    ):
        if data.startswith(bom):
            return _checked(_decode(data, codec, name), name)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _checked(_decode(data, utf16, "utf-16"), "utf-16")
    _reject_binary(data)
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few damaged bytes stays UTF-8: legacy text almost never forms valid multi-byte sequences.
    repaired = data.decode("utf-8", errors="replace")
    damaged = repaired.count("\ufffd")
    if sum(1 for c in repaired if c > "\x7f") - damaged >= 10 * damaged:
        return _checked(repaired, "utf-8")
    if legacy == "cp1258":
        # 8-bit Vietnamese is TCVN3, VNI or VISCII as often as Windows-1258: the reading with more valid syllables wins.
        found = decode_legacy_text(data)
        if found is not None:
            return _checked(*found)
    try:
        # cp1258 keeps tones as combining marks (research/vietnamese-text.md §2.5), hence the NFC.
        return _checked(unicodedata.normalize("NFC", data.decode(legacy)), legacy)
    except UnicodeDecodeError as exc:
        raise ReadError("không nhận ra bảng mã của tệp văn bản (không phải UTF-8, UTF-16 hay Windows-1258)") from exc


def _decode(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ReadError(f"tệp văn bản hỏng: không giải mã được theo {name.upper()}") from exc


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes sit on one side of the pairs only, as ASCII does in UTF-16."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sum(1 for i in range(0, 2 * pairs, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, 2 * pairs, 2) if sample[i] == 0)
    if odd >= 0.2 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.2 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def _reject_binary(data: bytes) -> None:
    sample = data[:65536]
    control = sum(1 for b in sample if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D))
    if b"\x00" in sample or control > 0.01 * len(sample):
        raise ReadError("tệp không phải văn bản (chứa dữ liệu nhị phân)")


def _checked(text: str, encoding: str) -> tuple[str, str]:
    control = sum(1 for c in text[:65536] if c < " " and c not in "\t\n\r\f")
    if control > 0.01 * max(1, len(text[:65536])):
        raise ReadError("tệp không phải văn bản (chứa dữ liệu nhị phân)")
    return text, encoding


# ---- PDF ------------------------------------------------------------------------------------------------------------

def _pdf_pages(path: Path) -> list[str]:
    """Text layer of each page (one entry per page, "" for a page without text). OCR can take over from here."""
    import pypdf
    from pypdf.errors import DependencyError, DeprecationError, FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns on every recoverable oddity of real files
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except (DependencyError, NotImplementedError):
                return pdfium_pages(path, _drop_page_number)  # AES needs the optional `cryptography` package; PDFium has it built in
            if not unlocked:
                raise ReadError("PDF bị mã hóa (cần mật khẩu)")
        try:
            check_pdf_streams(reader)  # decompression bombs are refused before any page is parsed
            texts = _page_texts(reader)
        except DeprecationError:
            expand_filter_abbreviations(reader)
            check_pdf_streams(reader)
            texts = _page_texts(reader)
        return [_drop_page_number(text, number) for number, text in enumerate(texts, start=1)]
    except ReadError:
        raise
    except FileNotDecryptedError as exc:
        raise ReadError("PDF bị mã hóa (cần mật khẩu)") from exc
    except PdfReadError as exc:
        raise ReadError(_pdf_unreadable(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a damaged PDF can fail anywhere in pypdf (zlib, struct, KeyError, …)
        raise ReadError(_pdf_unreadable(exc)) from exc


def _pdf_unreadable(exc: BaseException) -> str:
    """The Vietnamese reason first; pypdf's own (English) words only as a detail in brackets."""
    return "không đọc được PDF: tệp hỏng, bị cắt cụt hoặc không phải PDF"


def _page_texts(reader) -> list[str]:
    """Text of each page; a page whose content pypdf cannot parse is "" (OCR may still read it), unless all fail."""
    from pypdf.errors import DeprecationError

    pages = list(reader.pages)
    texts, failure = [], None
    for page in pages:
        try:
            texts.append(page.extract_text() or "")
        except DeprecationError:
            raise
        except Exception as exc:  # noqa: BLE001 - one damaged page (bad stream, missing font) is one page lost
            failure = failure or exc
            texts.append("")
    if failure is not None and not any(text.strip() for text in texts):
        raise failure
    return texts


def _drop_page_number(text: str, number: int) -> str:
    """Remove the running page number Word prints as the first or last line of a page ("3", "- 3 -")."""
    if number < 2:
        return text
    lines = text.split("\n")
    marker = re.compile(rf"\s*[-–]?\s*{number}\s*[-–]?\s*")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and marker.fullmatch(lines[first]):
        del lines[first]
    else:
        last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)
        if last is not None and marker.fullmatch(lines[last]):
            del lines[last]
    return "\n".join(lines)


def _read_pdf(path: Path) -> RawText:
    pages = _pdf_pages(path)
    if not pages:
        raise ReadError("PDF không có trang nào")
    pages, encoding = fix_pdf_legacy(path, pages)  # .VnTime PDFs without a ToUnicode map, by font name
    pages = rejoin_spaced_syllables(pages)
    scanned = pages_to_ocr(path, pages)
    ocr_pages: dict[int, float] = {}
    if scanned:
        try:
            for page in ocr_pdf_pages(path, scanned):
                if prefer_ocr(pages[page.number - 1], page.text):
                    pages[page.number - 1] = page.text
                    ocr_pages[page.number] = page.confidence
        except OcrUnavailable:
            if not any(page.strip() for page in pages):
                raise ReadError(MISSING_TESSERACT) from None
    if not any(page.strip() for page in pages):
        reason = "nhận dạng chữ (OCR) không đọc ra chữ nào" if scanned else "không có lớp chữ và không có ảnh để nhận dạng"
        raise ReadError(f"PDF là bản quét hoặc trang trắng: {reason}")
    pages = join_wrapped_lines(drop_page_furniture(pages))
    if ocr_pages and encoding is not None and len(ocr_pages) == len(pages):
        encoding = None  # every page came from OCR: the legacy encoding of the discarded text layer no longer applies
    return RawText(pages=pages, format="pdf", encoding=encoding, ocr_pages=ocr_pages)


# ---- DOCX -----------------------------------------------------------------------------------------------------------

def _read_docx(path: Path) -> RawText:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    from indexer.read.docx_text import DocxText

    check_zip_file(path)
    try:
        document = docx.Document(str(path))
        reader = DocxText(document)
        lines = reader.lines()
    except (PackageNotFoundError, zipfile.BadZipFile) as exc:
        raise ReadError("không đọc được DOCX: tệp không phải gói DOCX (hỏng, hoặc là loại tệp khác mang đuôi .docx)") from exc
    except Exception as exc:  # noqa: BLE001 - damaged parts fail inside python-docx/lxml with assorted errors
        raise ReadError("không đọc được DOCX: gói DOCX hỏng hoặc thiếu phần bắt buộc") from exc
    text, encoding = fix_legacy_lines(lines, reader.converted, reader.legacy)  # by font name, then by scoring
    if not text.strip():
        raise ReadError("tệp DOCX không có chữ")
    return RawText(pages=[text], format="docx", encoding=encoding or "utf-8")


# ---- HTML -----------------------------------------------------------------------------------------------------------

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul",
}
_DROPPED_TAGS = {"script", "style", "head", "noscript", "template", "svg", "xml"}


class _HtmlText(html_parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropped = 0
        self._pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in _DROPPED_TAGS:
            self._dropped += 1
        elif tag == "pre":
            self._pre += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _DROPPED_TAGS:
            self._dropped = max(0, self._dropped - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._dropped:
            return
        # Source line breaks are not text breaks outside <pre>; block elements make the real ones.
        self.parts.append(data if self._pre else re.sub(r"[ \t\r\n\f]+", " ", data))

    def unknown_decl(self, data):  # Word's "<![if !supportLists]>" marked sections carry no text
        return


def _html_encoding(data: bytes) -> str | None:
    match = re.search(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", data[:4096], re.I)
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None


def _read_html(path: Path) -> RawText:
    data = path.read_bytes()
    declared = _html_encoding(data)
    if declared in (None, "utf-8", "utf-16", "utf-16-le", "utf-16-be", "ascii"):
        declared = "cp1258"  # Word "Save as web page" of Vietnamese text uses windows-1258 when not UTF-8
    try:
        markup, encoding = decode_text(data, legacy=declared)
    except ReadError as exc:
        raise ReadError(f"không đọc được HTML: {exc}") from exc
    extractor = _HtmlText()
    try:
        extractor.feed(markup)
        extractor.close()
    except (AssertionError, ValueError) as exc:
        raise ReadError(f"không đọc được HTML: {_short(exc)}") from exc
    lines = [line.strip() for line in "".join(extractor.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not text:
        raise ReadError("trang HTML không có chữ")
    text, encoding = _fix_legacy(text, encoding)
    return RawText(pages=[text], format="html", encoding=encoding)


def _short(exc: BaseException) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    return message if len(message) <= 120 else message[:117] + "…"


_READERS: dict[str, Callable[[Path], RawText]] = {
    ".txt": _read_text,
    ".md": _read_text,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".html": _read_html,
    ".htm": _read_html,
    **{ext: read_office for ext in OFFICE_EXTENSIONS},  # .doc/.rtf/.xls/.ppt via LibreOffice, .odt/.ods/.odp directly
    ".xlsx": read_xlsx,  # openpyxl, as tables (LibreOffice is not needed)
    ".xlsm": read_xlsx,
}
