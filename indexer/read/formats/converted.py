"""Reading what LibreOffice wrote when its flat OpenDocument output failed: .docx, plain UTF-8 text, HTML.

(The zipped OpenDocument outputs are read by `office` itself.) None of these keeps every run's font as the flat
format does, so legacy text is converted by font name where the format keeps it (.docx) and by scoring otherwise.
"""
from __future__ import annotations

import re
from html import parser as html_parser
from pathlib import Path

from indexer.errors import ReadError
from indexer.read.guards import check_zip_file
from indexer.read.legacy import fix_legacy_lines, fix_legacy_text


def docx_text(path: Path) -> tuple[str, str | None]:
    """Text and legacy encoding of a .docx LibreOffice wrote (tables, lists and fonts as the DOCX reader reads them)."""
    import docx

    from indexer.read.docx_text import DocxText

    check_zip_file(path)
    try:
        reader = DocxText(docx.Document(str(path)))
        lines = reader.lines()
    except Exception as error:  # noqa: BLE001 - python-docx/lxml fail with assorted errors on a bad package
        raise ReadError(f"LibreOffice không chuyển được tệp sang .docx ({type(error).__name__})") from error
    return fix_legacy_lines(lines, reader.converted, reader.legacy)


def plain_text(path: Path) -> tuple[str, str | None]:
    """Text and legacy encoding of LibreOffice's "Text (encoded):UTF8" export (page breaks are form feeds)."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    return fix_legacy_text(text)


_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "title"}
_DROPPED = {"script", "style", "head"}


class _Html(html_parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropped = 0
        self.cells = 0  # cells started in the current row
        self.in_cell = 0

    def handle_starttag(self, tag, attrs):
        self.dropped += tag in _DROPPED
        if tag in ("td", "th"):
            self.parts.append(" | " if self.cells else "")
            self.cells += 1
            self.in_cell += 1
        elif tag in _BLOCKS:
            # Paragraphs inside a cell are spaces: the row stays on one line.
            self.parts.append(" " if self.in_cell and tag != "tr" else "\n")
            if tag == "tr":
                self.cells = 0

    def handle_endtag(self, tag):
        self.dropped -= tag in _DROPPED and self.dropped > 0
        if tag in ("td", "th"):
            self.in_cell = max(0, self.in_cell - 1)
        elif tag in _BLOCKS:
            self.parts.append(" " if self.in_cell and tag != "tr" else "\n")

    def handle_data(self, data):
        if not self.dropped:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_text(path: Path) -> tuple[str, str | None]:
    """Text and legacy encoding of LibreOffice's HTML export (UTF-8; a table row's cells on one line)."""
    extractor = _Html()
    extractor.feed(path.read_bytes().decode("utf-8", errors="replace"))
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).split("\n")]
    return fix_legacy_text(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip())
