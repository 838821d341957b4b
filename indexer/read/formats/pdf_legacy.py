"""TCVN3/VNI text layers of PDFs decided by the fonts the PDF names (".VnTime", ".VnTimeH", "VNI-Times").

The PDF reader extracts page text its own way; this module only looks at which font drew which text (pypdf's
text visitor) to (1) know the document's legacy encoding, so that every paragraph that reads as well in it is
converted, and (2) put the words drawn in a ".Vn…H" capital font in capitals, matched word by word.
"""
from __future__ import annotations

import difflib
import logging
import re
from collections import Counter
from pathlib import Path

from indexer.read.legacy import convert_text, detect_encoding_by_font, fix_legacy_text, is_uppercase_font

Run = tuple[str, "str | None"]
_WORD = re.compile(r"[^\s!-@\[-`{-~\u2013\u2014\u2018\u2019\u201c\u201d\u2026]+")
_MAX_PAGES = 500  # font runs are read for the first pages only; the encoding decision needs no more


def fix_pdf_legacy(path: Path, pages: list[str]) -> tuple[list[str], str | None]:
    """Convert legacy-encoded PDF page texts to Unicode: (pages, encoding found or None).

    `pages` are the page texts as extracted (one string per page, same count returned). Without legacy font
    names this is `fix_legacy_text` over the pages; with them, the fonts' encoding is the document's, and words
    drawn in a ".Vn…H" font come out in capitals. A PDF pypdf cannot parse again just gets the text scoring.
    """
    runs = font_runs(path)
    known = _known_encoding(runs) if runs else None
    text, encoding = fix_legacy_text("\f".join(pages), known=known)
    fixed = text.split("\f")
    if runs and len(fixed) == len(pages) and encoding and encoding.startswith("tcvn3"):
        fixed = [capitals_by_font(page, runs[k]) if k < len(runs) else page for k, page in enumerate(fixed)]
    return fixed, encoding


def font_runs(path: Path) -> list[list[Run]] | None:
    """Per page, the (text, font name) pieces pypdf extracts, when some page uses a legacy Vietnamese font; else None."""
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        pages = list(reader.pages)[:_MAX_PAGES]
        if not any(_legacy_font_on(page) for page in pages):
            return None
        out: list[list[Run]] = []
        for page in pages:
            pieces: list[Run] = []

            def visit(text, _cm, _tm, font_dict, _size, pieces=pieces):
                if text:
                    name = (font_dict or {}).get("/BaseFont") if hasattr(font_dict, "get") else None
                    pieces.append((text, str(name).lstrip("/") if name else None))

            page.extract_text(visitor_text=visit)
            out.append(pieces)
        return out
    except Exception:  # noqa: BLE001 - font names are a hint: a PDF pypdf cannot walk is read without them
        return None


def _legacy_font_on(page) -> bool:
    try:
        fonts = page["/Resources"]["/Font"]
        names = [str(fonts[key].get_object().get("/BaseFont", "")).lstrip("/") for key in fonts]
    except (KeyError, TypeError, AttributeError):
        return False
    return any(detect_encoding_by_font(name) for name in names)


def _known_encoding(runs: list[list[Run]]) -> str | None:
    used: Counter = Counter()
    for page in runs:
        for text, font in page:
            encoding = detect_encoding_by_font(font)
            if encoding and text.strip():
                used[encoding] += len(text)
    return used.most_common(1)[0][0] if used else None


def capitals_by_font(page: str, runs: list[Run]) -> str:
    """`page` (converted text) with the words drawn in a ".Vn…H" font put in capitals.

    The words of the page and of the font runs are matched in order (difflib on lowercased words), so text the
    PDF reader rearranged or repaired is left as it is rather than misplaced.
    """
    # The runs' text converted by font, with which characters a capital font drew: a word split over runs
    # ("Thñ t" + "−" + "íng") is judged whole, by the font of most of its letters.
    pieces, drawn_upper = [], []
    for text, font in runs:
        upper = is_uppercase_font(font)
        converted = convert_text(text, "tcvn3", uppercase=upper) if detect_encoding_by_font(font) == "tcvn3" else text
        pieces.append(converted)
        drawn_upper.extend([upper] * len(converted))
    if not any(drawn_upper):
        return page
    joined = "".join(pieces)
    flagged = [(m.group().lower(), 2 * sum(drawn_upper[m.start():m.end()]) > m.end() - m.start())
               for m in _WORD.finditer(joined)]
    words = list(_WORD.finditer(page))
    matcher = difflib.SequenceMatcher(None, [m.group().lower() for m in words], [w for w, _ in flagged], autojunk=False)
    out = list(page)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            if flagged[block.b + k][1]:
                match = words[block.a + k]
                upper = match.group().upper()
                if len(upper) == len(match.group()):
                    out[match.start():match.end()] = upper
    return "".join(out)
