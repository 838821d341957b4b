"""Text of a .docx body in document order: paragraphs and tables, Word list numbers rendered, bold as **…**."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from indexer.read.legacy import convert_font_pieces, detect_encoding_by_font

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


_P, _TBL, _TR, _TC, _R, _T = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("r"), _w("t")
_TXBX = _w("txbxContent")
_ALTERNATE, _CHOICE = f"{{{MC}}}AlternateContent", f"{{{MC}}}Choice"
# Subtrees whose text is not part of the visible document: deleted or moved-away revisions, the VML fallback of
# drawings (a duplicate of mc:Choice), field instructions, and property blocks.
_SKIP = {_w("del"), _w("moveFrom"), f"{{{MC}}}Fallback", _w("pPr"), _w("rPr"), _w("instrText"), _w("delText")}
_FALSE = {"0", "false", "off"}
_BULLETS = {"-", "–", "—", "+"}
_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


def _val(el, tag: str) -> str | None:
    child = el.find(_w(tag)) if el is not None else None
    return None if child is None else child.get(_w("val"))


def _bold_of(rpr) -> bool | None:
    """True/False when the run properties set bold, None when they leave it to the style."""
    if rpr is None:
        return None
    b = rpr.find(_w("b"))
    if b is None:
        return None
    return (b.get(_w("val")) or "true").lower() not in _FALSE


def _font_of(rpr) -> str | None:
    """The font a run's properties name for Latin text (w:rFonts ascii, else hAnsi), None when they name none."""
    fonts = rpr.find(_w("rFonts")) if rpr is not None else None
    if fonts is None:
        return None
    return fonts.get(_w("ascii")) or fonts.get(_w("hAnsi"))


@dataclass
class _Style:
    based_on: str | None
    bold: bool | None
    num_id: str | None
    ilvl: int | None
    font: str | None = None


@dataclass(frozen=True)
class _Level:
    start: int
    fmt: str
    text: str


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def _letters(n: int) -> str:
    # Word's letter numbering repeats the letter: a … z, aa … zz.
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def _format_number(n: int, fmt: str) -> str:
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


class DocxText:
    """Walks a python-docx Document's XML; `lines()` gives the body as text lines.

    Runs in a legacy Vietnamese font (".VnTime", ".VnTimeH", "VNI-Times") are converted to Unicode paragraph by
    paragraph; `legacy` then counts the letters per encoding and `converted` holds those lines (already Unicode).
    """

    def __init__(self, document) -> None:
        self._styles = self._read_styles(document)
        self._default_font = self._read_default_font(document)
        self.legacy: Counter = Counter()
        self.converted: set[str] = set()
        self._default_style = next((sid for sid, is_default in self._default_ids(document) if is_default), None)
        self._levels, self._num_abstract, self._overrides = self._read_numbering(document)
        self._counters: dict[str, list[int | None]] = {}
        self._body = document.element.body

    # -- reading styles.xml and numbering.xml -----------------------------------------------------------------------

    @staticmethod
    def _default_ids(document):
        for style in document.styles.element.findall(_w("style")):
            if style.get(_w("type")) == "paragraph":
                yield style.get(_w("styleId")), (style.get(_w("default")) or "").lower() in {"1", "true", "on"}

    @staticmethod
    def _read_styles(document) -> dict[str, _Style]:
        styles: dict[str, _Style] = {}
        for style in document.styles.element.findall(_w("style")):
            ppr = style.find(_w("pPr"))
            numpr = ppr.find(_w("numPr")) if ppr is not None else None
            ilvl = _val(numpr, "ilvl")
            styles[style.get(_w("styleId"))] = _Style(
                based_on=_val(style, "basedOn"),
                bold=_bold_of(style.find(_w("rPr"))),
                num_id=_val(numpr, "numId"),
                ilvl=int(ilvl) if ilvl and ilvl.isdigit() else None,
                font=_font_of(style.find(_w("rPr"))),
            )
        return styles

    @staticmethod
    def _read_default_font(document) -> str | None:
        defaults = document.styles.element.find(_w("docDefaults"))
        rpr = defaults.find(f"{_w('rPrDefault')}/{_w('rPr')}") if defaults is not None else None
        return _font_of(rpr)

    @staticmethod
    def _read_numbering(document):
        levels: dict[tuple[str, int], _Level] = {}
        num_abstract: dict[str, str] = {}
        overrides: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return levels, num_abstract, overrides  # a document without lists has no numbering part
        for abstract in root.findall(_w("abstractNum")):
            abstract_id = abstract.get(_w("abstractNumId"))
            for lvl in abstract.findall(_w("lvl")):
                start = _val(lvl, "start")
                levels[(abstract_id, int(lvl.get(_w("ilvl"), "0")))] = _Level(
                    start=int(start) if start and start.lstrip("-").isdigit() else 1,
                    fmt=_val(lvl, "numFmt") or "decimal",
                    text=_val(lvl, "lvlText") or "",
                )
        for num in root.findall(_w("num")):
            num_id = num.get(_w("numId"))
            num_abstract[num_id] = _val(num, "abstractNumId") or ""
            for override in num.findall(_w("lvlOverride")):
                start = _val(override, "startOverride")
                if start and start.isdigit():
                    overrides.setdefault(num_id, {})[int(override.get(_w("ilvl"), "0"))] = int(start)
        return levels, num_abstract, overrides

    def _style_chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id in self._styles and style_id not in seen:
            seen.add(style_id)
            yield self._styles[style_id]
            style_id = self._styles[style_id].based_on

    # -- list numbers -----------------------------------------------------------------------------------------------

    def _list_label(self, ppr, style_id: str | None) -> str:
        """The number Word draws before a list paragraph ("II.", "2.1.", "a)", "-"), "" when it is not a list item."""
        numpr = ppr.find(_w("numPr")) if ppr is not None else None
        num_id, ilvl_text = _val(numpr, "numId"), _val(numpr, "ilvl")
        ilvl = int(ilvl_text) if ilvl_text and ilvl_text.isdigit() else None
        for style in self._style_chain(style_id):
            num_id = num_id or style.num_id
            ilvl = ilvl if ilvl is not None else style.ilvl
        if not num_id or num_id == "0" or num_id not in self._num_abstract:
            return ""
        ilvl = ilvl or 0
        abstract = self._num_abstract[num_id]
        level = self._levels.get((abstract, ilvl))
        if level is None:
            return ""
        if level.fmt == "bullet":
            return level.text if level.text in _BULLETS else "-"
        # Lists restarted with startOverride count on their own; the others continue their abstract list, as Word does.
        key = num_id if num_id in self._overrides else abstract
        counters = self._counters.setdefault(key, [None] * 9)
        if ilvl >= len(counters):
            return ""
        start = self._overrides.get(num_id, {}).get(ilvl, level.start)
        counters[ilvl] = start if counters[ilvl] is None else counters[ilvl] + 1
        for deeper in range(ilvl + 1, len(counters)):
            counters[deeper] = None
        label = level.text
        for lv in range(ilvl, -1, -1):
            lv_level = self._levels.get((abstract, lv), level)
            value = counters[lv] if counters[lv] is not None else lv_level.start
            label = label.replace(f"%{lv + 1}", _format_number(value, lv_level.fmt))
        return label.strip()

    # -- text -------------------------------------------------------------------------------------------------------

    def lines(self) -> list[str]:
        out: list[str] = []
        self._blocks(self._body, out)
        return out

    def _blocks(self, container, out: list[str]) -> None:
        for child in container:
            if child.tag == _P:
                self._paragraph(child, out)
            elif child.tag == _TBL:
                self._table(child, out)
            elif child.tag in _SKIP:
                continue
            elif child.tag == _ALTERNATE:
                for choice in child.findall(_CHOICE)[:1]:
                    self._blocks(choice, out)
            elif child.tag not in (_w("sectPr"), _w("tblPr")):
                self._blocks(child, out)  # content controls (w:sdt), custom XML, inserted revisions

    def _table(self, table, out: list[str]) -> None:
        # A blank line around tables keeps the header and signature blocks apart from the body paragraphs.
        out.append("")
        for row in table.iter(_TR):
            if row.getparent() is not table:
                continue  # rows of nested tables are read through their cell
            for cell in row.findall(_TC):
                cell_lines: list[str] = []
                self._blocks(cell, cell_lines)
                if any(line.strip() for line in cell_lines):
                    out.extend(cell_lines)
        out.append("")

    def _paragraph(self, paragraph, out: list[str]) -> None:
        ppr = paragraph.find(_w("pPr"))
        style_id = _val(ppr, "pStyle") or self._default_style
        style_bold = next((s.bold for s in self._style_chain(style_id) if s.bold is not None), None)
        pieces: list[tuple[str, bool | None]] = []
        fonts: list[str | None] = []
        boxes: list = []
        style_font = next((s.font for s in self._style_chain(style_id) if s.font), None) or self._default_font
        self._inline(paragraph, pieces, boxes, bool(style_bold), (fonts, style_font))
        converted = False
        if any(detect_encoding_by_font(font) for font in fonts):
            texts, used = convert_font_pieces([(t, f) for (t, _), f in zip(pieces, fonts)])
            pieces = [(t, b) for t, (_, b) in zip(texts, pieces)]
            self.legacy.update(used)
            converted = bool(used)
        text = _with_bold("".join(t for t, _ in pieces).strip(), pieces)
        label = self._list_label(ppr, style_id)
        if label and text:
            text = _label_before(label, text)
        if text or not boxes:
            if converted:
                self.converted.add(text)
            out.append(text)
        for box in boxes:
            self._blocks(box, out)

    def _inline(self, element, pieces, boxes, style_bold: bool, fonts) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIP:
                continue
            if tag == _R:
                self._run(child, pieces, boxes, style_bold, fonts)
            elif tag == _ALTERNATE:
                for choice in child.findall(_CHOICE)[:1]:
                    self._inline(choice, pieces, boxes, style_bold, fonts)
            elif tag == _TXBX:
                boxes.append(child)
            elif tag != _P:
                self._inline(child, pieces, boxes, style_bold, fonts)  # hyperlinks, fields, smart tags, inserted text

    def _run(self, run, pieces, boxes, style_bold: bool, fonts) -> None:
        """Appends the run's text pieces to `pieces` and, for each, its font to `fonts[0]` (`fonts[1]`: the paragraph's)."""
        rpr = run.find(_w("rPr"))
        bold = _bold_of(rpr)
        run_style = _val(rpr, "rStyle")
        if bold is None:
            bold = next((s.bold for s in self._style_chain(run_style) if s.bold is not None), None)
        bold = style_bold if bold is None else bold
        font_list, paragraph_font = fonts
        font = _font_of(rpr) or next((s.font for s in self._style_chain(run_style) if s.font), None) or paragraph_font
        start = len(pieces)
        self._run_pieces(run, pieces, boxes, bold)
        font_list.extend([font] * (len(pieces) - start))

    def _run_pieces(self, run, pieces, boxes, bold) -> None:
        for child in run:
            tag = child.tag
            if tag == _T:
                pieces.append((child.text or "", bold))
            elif tag == _w("tab"):
                pieces.append(("\t", None))
            elif tag in (_w("br"), _w("cr")):
                pieces.append(("\n", None))
            elif tag == _w("noBreakHyphen"):
                pieces.append(("-", bold))
            elif tag in _SKIP:
                continue
            else:
                # Drawings, VML shapes and alternate content: only text boxes hold text; their position offsets
                # (wp:posOffset, "3810002730500") are numbers in XML elements that are never w:t.
                for box in child.iter(_TXBX):
                    if not any(a.tag == f"{{{MC}}}Fallback" for a in box.iterancestors()):
                        boxes.append(box)


def _with_bold(text: str, pieces: list[tuple[str, bool | None]]) -> str:
    """"**text**" for an all-bold paragraph; "**prefix** rest" when it opens with a bold phrase (as in the seeds)."""
    visible = [(t, b) for t, b in pieces if t.strip()]
    if not text or not visible:
        return text
    if all(b for _, b in visible):
        return f"**{text}**"
    if not visible[0][1]:
        return text
    prefix = []
    for t, b in pieces:
        if t.strip() and not b:
            break
        prefix.append(t)
    head = "".join(prefix).strip()
    rest = text[len(head):] if text.startswith(head) else ""
    # Runs can split a word ("Đ" + "iều"); bold there is typography, not a heading.
    if not head or not rest or (head[-1].isalnum() and rest[0].isalnum()):
        return text
    return f"**{head}**{rest}"


def _label_before(label: str, text: str) -> str:
    if text.startswith("**") and text.endswith("**") and len(text) > 4:
        return f"**{label} {text[2:]}"
    return f"{label} {text}"
