"""OpenDocument XML (flat .fodt/.fods/.fodp or the parts of a zipped .odt/.ods/.odp) → pages of font runs."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from indexer.read.legacy import tcvn3_to_unicode, vni_to_unicode

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
}


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


# Attributes that point an element at a style whose text properties (font) its content inherits.
_STYLE_ATTRS = tuple(
    _q(a)
    for a in ("text:style-name", "table:style-name", "draw:text-style-name", "presentation:style-name", "draw:style-name")
)
# Subtrees with no document text: tracked deletions, comments, speaker notes, form and sequence declarations.
_SKIP = frozenset(
    _q(t)
    for t in (
        "text:tracked-changes", "office:annotation", "presentation:notes", "office:forms", "text:sequence-decls",
        "svg:title", "svg:desc", "text:note-citation", "table:calculation-settings", "draw:object", "draw:image",
    )
)
_PARAGRAPHS = frozenset(_q(t) for t in ("text:p", "text:h"))
_TEXT_NS = f"{{{_NS['text']}}}"
_BLOCKS = frozenset(_q(t) for t in ("text:list", "text:list-item", "text:list-header", "text:section", "text:note-body"))
_PAGE_BREAK = "\f"  # page separator inside run text; split on it after conversion
CELL_SEPARATOR = " | "  # between the cells of a table row read as one line (tabs would become plain spaces)
_DEFAULT_SHEET = re.compile(r"(sheet|trang[ _]tính|feuil|tabelle|hoja|foglio)\s*\d*", re.I)
_MOTTO = "xã hội chủ nghĩa"  # "Cộng hòa xã hội chủ nghĩa Việt Nam" heads every administrative document
_ROW_GROUPS = frozenset(_q(t) for t in ("table:table-header-rows", "table:table-rows", "table:table-row-group"))


@dataclass
class OdfContent:
    """Runs of (text, font family or None) in document order; "\\n" ends a paragraph, "\\f" starts a new page."""

    runs: list[tuple[str, str | None]] = field(default_factory=list)
    kind: str = "text"  # "text" | "spreadsheet" | "presentation"


class _Styles:
    """Style name → font family, resolving parents and the per-family defaults."""

    def __init__(self) -> None:
        self.faces: dict[str, str] = {}
        self.fonts: dict[str, str] = {}
        self.parents: dict[str, str] = {}
        self.defaults: dict[str, str] = {}

    def add(self, root: ET.Element) -> None:
        for face in root.iter(_q("style:font-face")):
            family = face.get(_q("svg:font-family")) or face.get(_q("style:name")) or ""
            self.faces[face.get(_q("style:name"), "")] = family.strip().strip("'\"")
        for style in root.iter(_q("style:style")):
            name = style.get(_q("style:name"), "")
            if parent := style.get(_q("style:parent-style-name")):
                self.parents[name] = parent
            if font := self._font_of(style):
                self.fonts[name] = font
        for default in root.iter(_q("style:default-style")):
            if font := self._font_of(default):
                self.defaults[default.get(_q("style:family"), "")] = font

    def _font_of(self, style: ET.Element) -> str | None:
        props = style.find(_q("style:text-properties"))
        if props is None:
            return None
        name = props.get(_q("style:font-name"))
        if name:
            return self.faces.get(name, name)
        family = props.get(_q("fo:font-family"))
        return family.strip().strip("'\"") if family else None

    def font(self, name: str | None) -> str | None:
        seen = set()
        while name and name not in seen:
            seen.add(name)
            if name in self.fonts:
                return self.fonts[name]
            name = self.parents.get(name)
        return None


def parse_odf(*xml_parts: bytes) -> OdfContent:
    """Read the runs of an ODF document from its XML parts (styles first, then content; a flat file is one part)."""
    styles = _Styles()
    roots = [ET.fromstring(part) for part in xml_parts]
    for root in roots:
        styles.add(root)
    content = OdfContent()
    for root in roots:
        body = root.find(_q("office:body"))
        if body is None:
            continue
        for kind_element in body:
            content.kind = kind_element.tag.split("}")[-1]
            default = styles.defaults.get("paragraph") or styles.defaults.get("table-cell")
            walker = _Walker(styles, content, content.kind)
            walker.walk(kind_element, default)
            if walker.notes:
                content.runs.append(("\n", None))
                content.runs.extend(walker.notes)
    return content


def _flat(text: str | None) -> str:
    return (text or "").replace("\n", " ").replace("\t", " ").replace("\r", " ")


class _Walker:
    def __init__(self, styles: _Styles, content: OdfContent, kind: str) -> None:
        self.styles = styles
        self.runs = content.runs
        self.kind = kind
        self.pages_started = 0
        self.in_paragraph = False
        self.notes: list[tuple[str, str | None]] = []

    def emit(self, text: str, font: str | None) -> None:
        if text:
            self.runs.append((text, font))

    def walk(self, element: ET.Element, font: str | None) -> None:
        for attr in _STYLE_ATTRS:
            if (name := element.get(attr)) and (found := self.styles.font(name)):
                font = found
                break
        tag = element.tag
        if tag in _SKIP:
            return
        if tag == _q("text:s"):
            self.emit(" " * int(element.get(_q("text:c"), "1")), font)
        elif tag == _q("text:tab"):
            self.emit("\t", font)
        elif tag == _q("text:line-break"):
            self.emit("\n", font)
        elif tag == _q("text:soft-page-break"):
            self.emit(_PAGE_BREAK, None)
        elif tag in (_q("table:table"), _q("draw:page")) and self.kind in ("spreadsheet", "presentation"):
            # One page per sheet or slide; a sheet starts with its name, as a heading.
            if self.pages_started:
                self.emit(_PAGE_BREAK, None)
            self.pages_started += 1
            if tag == _q("table:table") and (heading := sheet_heading(element.get(_q("table:name")))):
                self.emit(heading, None)
        elif tag == _q("table:table") and self.kind == "text" and _is_data_table(element):
            # A table of data (annex, list of tasks): one line per row, so a row's cells stay together.
            self.emit("\n", None)
            for row in _rows(element, with_breaks=True):
                if row.tag == _q("text:soft-page-break"):
                    self.emit(_PAGE_BREAK, None)
                else:
                    self._row(row, font)
            self.emit("\n", None)
            return
        if tag == _q("text:note-body"):
            # Footnotes go after the body, as a reader meets them, instead of splitting the sentence they annotate.
            saved_runs, self.runs = self.runs, []
            saved_inside, self.in_paragraph = self.in_paragraph, False
            for child in element:
                self.walk(child, font)
            self.notes.extend(self.runs)
            self.runs, self.in_paragraph = saved_runs, saved_inside
            return
        if tag == _q("table:table-row") and self.kind == "spreadsheet":
            self._row(element, font)
            return
        # Text content is mixed only in paragraphs and their inline text:* children; a frame or list inside a
        # paragraph starts a new block whose XML whitespace is indentation.
        inside = tag in _PARAGRAPHS or (self.in_paragraph and tag.startswith(_TEXT_NS) and tag not in _BLOCKS)
        saved, self.in_paragraph = self.in_paragraph, inside
        # Outside paragraphs the XML whitespace is indentation; inside, a newline or tab is a plain space.
        if inside:
            self.emit(_flat(element.text), font)
        for child in element:
            self.walk(child, font)
            if inside:
                self.emit(_flat(child.tail), font)
        self.in_paragraph = saved
        if tag in _PARAGRAPHS:
            self.emit("\n", font)

    def _row(self, row: ET.Element, font: str | None) -> None:
        """A table row becomes one line, its non-empty cells separated by CELL_SEPARATOR."""
        first = True
        for cell in row:
            if cell.tag not in (_q("table:table-cell"), _q("table:covered-table-cell")):
                continue
            cell_runs: list[tuple[str, str | None]] = []
            saved, self.runs = self.runs, cell_runs
            self.walk(cell, font)
            self.runs = saved
            text = "".join(t for t, _ in cell_runs).strip()
            if not text:
                continue
            if not first:
                self.emit(CELL_SEPARATOR, None)
            first = False
            for k, (piece, piece_font) in enumerate(cell_runs):
                # Paragraph ends inside a cell become spaces so that the row stays on one line.
                piece = piece.replace("\n", " ")
                self.emit(piece.rstrip() if k == len(cell_runs) - 1 else piece, piece_font)
        if not first:
            self.emit("\n", None)


def sheet_heading(name: str | None) -> str:
    """The heading line of a sheet: its name and a newline, "" for an unnamed or default name ("Sheet1")."""
    name = " ".join((name or "").split())
    return "" if not name or _DEFAULT_SHEET.fullmatch(name) else name + "\n"


def _rows(table: ET.Element, with_breaks: bool = False) -> list[ET.Element]:
    """The rows of a table (inside header-row and row groups too), not those of tables nested in its cells;
    `with_breaks`: the soft page breaks between rows too, in document order."""
    rows = []
    for child in table:
        if child.tag == _q("table:table-row") or (with_breaks and child.tag == _q("text:soft-page-break")):
            rows.append(child)
        elif child.tag in _ROW_GROUPS:
            rows.extend(_rows(child, with_breaks))
    return rows


def _is_data_table(table: ET.Element) -> bool:
    """A table of data rather than a layout table (the two header columns, a form, the signature block): two or
    more rows with three filled cells, or four or more rows with two filled cells making most of its filled rows;
    never a table holding the national motto (the document's header laid out in a table)."""
    filled = []
    for row in _rows(table):
        cells = [c for c in row if c.tag == _q("table:table-cell") and "".join(c.itertext()).strip()]
        filled.append(len(cells))
    wide, pairs, rows = sum(n >= 3 for n in filled), sum(n >= 2 for n in filled), sum(n >= 1 for n in filled)
    if not (wide >= 2 or (pairs >= 4 and 2 * pairs >= rows)):
        return False
    text = " ".join("".join(table.itertext()).split())[:4000]
    return not any(_MOTTO in reading.lower() for reading in (text, tcvn3_to_unicode(text), vni_to_unicode(text)))
