"""Section chunks: one chunk per outline item where it fits, long items split at sentence boundaries."""
from __future__ import annotations

from dataclasses import dataclass

from typing import TYPE_CHECKING

from indexer.model import Chunk, DocumentStructure, NormalizedText, Section

if TYPE_CHECKING:  # langchain is imported only when chunking runs: opening an index must stay fast
    from langchain_text_splitters import RecursiveCharacterTextSplitter

HEAD_HEADING = "Phần đầu"  # header, title and the Căn cứ / Thực hiện preamble
TAIL_HEADING = "Nơi nhận"  # signature blocks and the Nơi nhận list
SIGNATURE_HEADING = "Chữ ký"  # a tail without a Nơi nhận list
# Paragraph, line, sentence, clause, phrase, word: the order in which a long item is cut.
SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]


@dataclass(frozen=True)
class ChunkingParams:
    """max_chars: longest chunk; overlap: characters repeated between pieces of one long item;
    min_chars: an item's own text shorter than this (typically a bare heading such as "II. Nội dung")
    is joined to the first item under it instead of standing alone."""

    max_chars: int = 1200
    overlap: int = 0
    min_chars: int = 80

    def __post_init__(self) -> None:
        if self.max_chars < 50:
            raise ValueError(f"max_chars phải từ 50 trở lên (nhận {self.max_chars})")
        if not 0 <= self.overlap < self.max_chars // 2:
            raise ValueError(f"overlap phải từ 0 đến dưới max_chars/2 (nhận {self.overlap})")
        if not 0 <= self.min_chars < self.max_chars:
            raise ValueError(f"min_chars phải từ 0 đến dưới max_chars (nhận {self.min_chars})")


# A heading is one line of the document, which in a text without line breaks can be the whole text: each heading
# of a chunk's trail is clipped to this many characters (the trail has at most one heading per outline level).
MAX_HEADING_CHARS = 300


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    section: Section | None
    heading: tuple[str, ...]


def chunk_document(doc_id: str, norm: NormalizedText, structure: DocumentStructure,
                   params: ChunkingParams) -> list[Chunk]:
    """Chunks covering every non-blank character of norm.text, in order, each exactly norm.text[start:end].

    Pages come from norm.pages for every format (a .txt is one page): the pipeline decides whether to show them.
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    text = norm.text
    pieces = _merge_small(text, _pieces(text, structure, params), params)
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=params.max_chars, chunk_overlap=params.overlap, separators=SEPARATORS,
        keep_separator="end", strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    for piece in pieces:
        headings = tuple(h if len(h) <= MAX_HEADING_CHARS else h[:MAX_HEADING_CHARS - 1] + "…" for h in piece.heading)
        for start, end in _split(text, piece.start, piece.end, splitter, params):
            ordinal = len(chunks)
            chunks.append(Chunk(
                chunk_id=f"{doc_id}:{ordinal}",
                doc_id=doc_id,
                ordinal=ordinal,
                section=piece.section.path if piece.section else "",
                heading=" › ".join(headings),
                headings=headings,
                start=start,
                end=end,
                page_start=norm.page_at(start),
                page_end=norm.page_at(max(start, end - 1)),
                text=text[start:end],
            ))
    return chunks


def _collapse_points(sections: list[Section], params: ChunkingParams) -> list[Section]:
    """An item whose sub-items are all points a), b), c) stays one chunk when it fits: "khoản 2 Điều 3" with its
    points reads as one passage, while a lone "b) Có lý lịch rõ ràng" would be a poor one."""
    dropped: set[int] = set()
    for index, section in enumerate(sections):
        if index in dropped or section.end - section.start > params.max_chars:
            continue
        last = index + 1  # sections are sorted and nested: the sub-items follow their item contiguously
        while last < len(sections) and sections[last].start < section.end:
            last += 1
        children = [j for j in range(index + 1, last) if sections[j].level == section.level + 1]
        if children and all(_is_point(sections[j].path) for j in children):
            dropped.update(range(index + 1, last))
    return [section for index, section in enumerate(sections) if index not in dropped]


def _is_point(path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    return len(last) == 1 and last.islower()


def _pieces(text: str, structure: DocumentStructure, params: ChunkingParams) -> list[_Piece]:
    """Cut the text at every section start and end (and the body end); each cut belongs to its deepest section."""
    sections = _collapse_points(sorted(structure.sections, key=lambda s: (s.start, s.level)), params)
    cuts = {0, len(text)}
    for section in sections:
        cuts.update((min(section.start, len(text)), min(section.end, len(text))))
    if structure.body_end is not None:
        cuts.add(min(structure.body_end, len(text)))
    if not sections:
        cuts.add(min(structure.body_start, len(text)))
    first_section = sections[0].start if sections else None
    trails = _trails(sections)
    pieces: list[_Piece] = []
    ordered = sorted(cuts)
    open_sections: list[Section] = []  # enclosing sections of the current offset, outermost first
    following = 0
    for start, end in zip(ordered, ordered[1:]):
        while following < len(sections) and sections[following].start <= start:
            open_sections.append(sections[following])
            following += 1
        open_sections = [section for section in open_sections if section.end > start]
        if not text[start:end].strip():
            continue
        owner = max(open_sections, key=lambda section: section.level, default=None)
        if owner is not None:
            heading = trails[id(owner)]
        elif structure.body_end is not None and start >= structure.body_end:
            heading = (TAIL_HEADING if structure.recipients else SIGNATURE_HEADING,)
        elif start < structure.body_start or (first_section is not None and start < first_section):
            heading = (HEAD_HEADING,)
        else:
            heading = ()
        pieces.append(_Piece(start, end, owner, heading))
    return pieces


def _trails(sections: list[Section]) -> dict[int, tuple[str, ...]]:
    """Heading trail of each section: the headings of the sections enclosing it, then its own."""
    trails: dict[int, tuple[str, ...]] = {}
    stack: list[Section] = []
    for section in sections:
        while stack and not (stack[-1].start <= section.start < stack[-1].end and stack[-1].level < section.level):
            stack.pop()
        trails[id(section)] = tuple(s.heading for s in stack) + (section.heading,)
        stack.append(section)
    return trails


def _merge_small(text: str, pieces: list[_Piece], params: ChunkingParams) -> list[_Piece]:
    """A bare heading ("II. Nội dung thực hiện", or any item's own text under min_chars) joins the first item
    under it, so that no chunk is a lone heading."""
    merged: list[_Piece] = []
    carry: int | None = None  # start of a bare heading waiting for the item under it
    for index, piece in enumerate(pieces):
        start = piece.start if carry is None else carry
        carry = None
        following = pieces[index + 1] if index + 1 < len(pieces) else None
        if (piece.section is not None and _bare(text[start:piece.end], params) and following is not None
                and following.section is not None and _inside(following.section, piece.section)):
            carry = start
            continue
        merged.append(_Piece(start, piece.end, piece.section, piece.heading))
    return merged


def _bare(own_text: str, params: ChunkingParams) -> bool:
    """Headings only: shorter than min_chars, or at most three short lines ("Chương II" / "QUY ĐỊNH CỤ THỂ")."""
    lines = [line for line in own_text.split("\n") if line.strip()]
    return len(own_text.strip()) < params.min_chars or (len(lines) <= 3 and all(len(line) <= 120 for line in lines))


def _inside(inner: Section, outer: Section) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end and inner.level > outer.level


def _split(text: str, start: int, end: int, splitter: RecursiveCharacterTextSplitter,
           params: ChunkingParams) -> list[tuple[int, int]]:
    """[start, end) without its edge whitespace, cut into pieces of at most max_chars at sentence boundaries."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start <= params.max_chars:
        return [(start, end)] if end > start else []
    body = text[start:end]
    spans: list[tuple[int, int]] = []
    search_from = 0
    for part in splitter.split_text(body):
        position = body.find(part, search_from)
        if position < 0:  # the splitter only drops edge whitespace, so every part is found
            position = body.find(part)
        spans.append((start + position, start + position + len(part)))
        search_from = max(position + 1, position + len(part) - params.overlap)
    return spans
