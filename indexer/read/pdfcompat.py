"""PDF quirks pypdf refuses: abbreviated filter names of old writers, ciphers it cannot decrypt without extras."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from indexer.errors import ReadError


def pdfium_pages(path: Path, clean_page: Callable[[str, int], str]) -> list[str]:
    """Text layer of each page through PDFium (opened with the empty password, as viewers do)."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        raise ReadError("PDF bị mã hóa (cần mật khẩu)") from exc
    try:
        pages = []
        for number in range(1, len(document) + 1):
            page = document[number - 1]
            textpage = page.get_textpage()
            text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            textpage.close()
            page.close()
            pages.append(clean_page(text, number))
        return pages
    finally:
        document.close()


_FILTER_ABBREVIATIONS = {
    "/Fl": "/FlateDecode", "/AHx": "/ASCIIHexDecode", "/A85": "/ASCII85Decode", "/LZW": "/LZWDecode",
    "/RL": "/RunLengthDecode", "/CCF": "/CCITTFaxDecode", "/DCT": "/DCTDecode",
}


def expand_filter_abbreviations(reader) -> None:
    """pypdf ≥ 7 refuses the short filter names (/Fl) some old writers (pdfFactory) put on every stream."""
    from pypdf.generic import ArrayObject, NameObject, StreamObject

    for number in range(1, int(reader.trailer.get("/Size", 0))):
        try:
            obj = reader.get_object(number)
        except Exception:  # noqa: BLE001 - a missing or broken object simply has nothing to rename
            continue
        if not isinstance(obj, StreamObject):
            continue
        filters = obj.get("/Filter")
        if isinstance(filters, ArrayObject):
            for k, name in enumerate(filters):
                if name in _FILTER_ABBREVIATIONS:
                    filters[k] = NameObject(_FILTER_ABBREVIATIONS[name])
        elif filters in _FILTER_ABBREVIATIONS:
            obj[NameObject("/Filter")] = NameObject(_FILTER_ABBREVIATIONS[filters])
