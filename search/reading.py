"""Reading a whole plan: its outline, its text in top-level blocks with the cited section marked, a PDF page image."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexer.model import Section
from search.ui_support import escape_text, highlight_html, shorten


@dataclass(frozen=True)
class OutlineEntry:
    path: str
    heading: str
    level: int


@dataclass(frozen=True)
class ReadingBlock:
    """A top-level part of a plan (text before the outline, or one top-level section) ready to show."""

    path: str  # "" for the text before the first section
    title: str
    start: int
    end: int
    html: str  # escaped text; the focused section wrapped in <div class="tracuu-focus">
    has_focus: bool


def outline(sections: list[Section]) -> list[OutlineEntry]:
    """The outline in document order, headings cut to one line."""
    return [OutlineEntry(s.path, shorten(s.heading, 70), s.level) for s in sections]


def section_at(sections: list[Section], path: str | None) -> Section | None:
    """The section with this path; a cited path deeper than the outline falls back to its nearest ancestor."""
    if not path:
        return None
    by_path = {s.path: s for s in sections}
    while path:
        if path in by_path:
            return by_path[path]
        path = path.rpartition(".")[0]
    return None


def _block_html(text: str, start: int, end: int, focus: Section | None, marks: list[tuple[int, int]]) -> str:
    """Escaped text of [start, end), with the focus section set apart and `marks` (absolute spans) highlighted."""
    def piece(a: int, b: int) -> str:
        local = [(max(s, a) - a, min(e, b) - a) for s, e in marks if s < b and e > a]
        return highlight_html(text[a:b], local)

    if focus is None or focus.end <= start or focus.start >= end:
        return piece(start, end)
    f_start, f_end = max(focus.start, start), min(focus.end, end)
    return (piece(start, f_start) + '<div class="tracuu-focus" id="tracuu-focus">' + piece(f_start, f_end)
            + "</div>" + piece(f_end, end))


def reading_blocks(
    text: str, sections: list[Section], focus_path: str | None = None, marks: list[tuple[int, int]] | None = None
) -> list[ReadingBlock]:
    """The plan cut at its top-level sections; the block holding the focus section is flagged for expanding."""
    marks = marks or []
    focus = section_at(sections, focus_path)
    top_level = min((s.level for s in sections), default=0)
    tops = [s for s in sections if s.level == top_level]
    cuts: list[tuple[str, str, int, int]] = []
    first = tops[0].start if tops else len(text)
    if text[:first].strip():
        cuts.append(("", "Phần đầu (tiêu đề, căn cứ)", 0, first))
    for i, s in enumerate(tops):
        end = tops[i + 1].start if i + 1 < len(tops) else len(text)
        cuts.append((s.path, shorten(s.heading, 120), s.start, end))
    blocks = []
    for path, title, start, end in cuts:
        has_focus = focus is not None and start <= focus.start < end
        blocks.append(ReadingBlock(path, title, start, end, _block_html(text, start, end, focus, marks), has_focus))
    if blocks and not any(b.has_focus for b in blocks):
        blocks[0] = ReadingBlock(**{**blocks[0].__dict__, "has_focus": True})
    return blocks


def quote_span(text: str, quote: str, near: int = 0) -> tuple[int, int] | None:
    """Where a cited quote sits in the document text (the occurrence nearest `near`), None when absent."""
    if not quote:
        return None
    found, pos = [], text.find(quote)
    while pos != -1:
        found.append(pos)
        pos = text.find(quote, pos + 1)
    if not found:
        return None
    start = min(found, key=lambda p: abs(p - near))
    return start, start + len(quote)


def document_file(corpus_dir: Path, source: str) -> Path | None:
    """The original file of an indexed document, only if it lies inside the corpus folder."""
    root = Path(corpus_dir).resolve()
    path = (root / source).resolve()
    try:
        path.relative_to(root)
    except ValueError:
        return None
    return path if path.is_file() else None


def pdf_page_png(path: Path, page: int, scale: float = 1.6) -> bytes:
    """One page (1-based) of a PDF rendered as PNG bytes."""
    import io

    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        number = min(max(page, 1), len(pdf))
        image = pdf[number - 1].render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    finally:
        pdf.close()


def outline_html(entries: list[OutlineEntry], focus_path: str | None) -> str:
    """The outline as an indented HTML list, the focus entry in bold (text escaped)."""
    top = min((e.level for e in entries), default=0)
    items = []
    for e in entries:
        label = escape_text(e.heading)
        if e.path == focus_path:
            label = f"<b>{label}</b>"
        items.append(f'<div class="tracuu-outline" style="margin-left:{(e.level - top) * 1.1:.1f}em">{label}</div>')
    return "".join(items)
