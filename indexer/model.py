"""Plain dataclasses passed between the indexing stages (read → normalise → structure → chunk → duties → store)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PageSpan:
    """One page of a document as a [start, end) span of the normalised text (1-based page number)."""

    number: int
    start: int
    end: int
    ocr_confidence: float | None = None  # mean Tesseract confidence 0–100 when the page was OCR'd


@dataclass(frozen=True)
class RawText:
    """What a reader returns: the text of each page (one page for formats without pages)."""

    pages: list[str]
    format: str  # "txt", "md", "pdf", "docx", "html", "doc", ...
    encoding: str | None = None  # detected source encoding ("utf-8", "cp1258", "tcvn3", "vni", ...)
    ocr_pages: dict[int, float] = field(default_factory=dict)  # page number → OCR confidence


@dataclass(frozen=True)
class Mark:
    """Layout markup taken out of the text (markdown emphasis or heading); [start, end) of the words it covered."""

    start: int
    end: int
    kind: str  # "bold" | "italic" | "heading"
    level: int = 0  # number of "#" of a heading mark, 0 otherwise


@dataclass(frozen=True)
class NormalizedText:
    """Normalised (NFC, look-alikes fixed) text with page spans; the only text offsets refer to."""

    text: str
    pages: list[PageSpan]
    marks: tuple[Mark, ...] = ()  # bold/italic/heading markup removed from the text, for the structure parser

    def page_at(self, offset: int) -> int | None:
        for page in self.pages:
            if page.start <= offset < page.end or (offset == page.end and page is self.pages[-1]):
                return page.number
        return None


@dataclass(frozen=True)
class Section:
    """One outline item: path like "II.9" or "A.II.2", its heading and its span in the text."""

    path: str
    heading: str
    level: int
    start: int  # start of the heading line
    end: int  # end of the section body (before the next item of the same or higher level)
    body_start: int  # first character after the heading marker line


@dataclass(frozen=True)
class SignatureBlock:
    """A signer with the block above the name (e.g. "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")."""

    name: str
    authority: str = ""  # TM. / KT. / Q. / TL. / TUQ. as written, "" when none
    position: str = ""  # e.g. "PHÓ CHỦ TỊCH"
    organisation: str = ""  # e.g. "ỦY BAN NHÂN DÂN HUYỆN"


@dataclass
class DocumentStructure:
    """Everything the structure parser reads off a document; missing values stay empty, never invented."""

    doc_type: str | None = None  # "Kế hoạch", "Quyết định", "Công văn", "Luật", ...
    doc_number: str | None = None  # as written, normalised spacing: "80/KH-UBND", "/KH-BQLKKT"
    title: str | None = None  # trích yếu
    issuers: list[str] = field(default_factory=list)
    place: str | None = None
    date: str | None = None  # ISO "2020-06-26", "2023-01" when the day is blank, "2026" when only the year is printed
    year: int | None = None
    references: list[str] = field(default_factory=list)  # normalised numbers: "120-KH/BDVTU-BCSĐUBND"
    sections: list[Section] = field(default_factory=list)  # outline in document order
    signatures: list[SignatureBlock] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # Nơi nhận, one entry per line, without "- " and trailing punctuation
    body_start: int = 0  # offset where the body (after header/title) starts
    body_end: int | None = None  # offset where signature / Nơi nhận begins


@dataclass(frozen=True)
class Chunk:
    """A passage: one outline item (or a piece of a long one) with its provenance."""

    chunk_id: str  # f"{doc_id}:{ordinal}"
    doc_id: str
    ordinal: int
    section: str  # section path, "" for text before the first outline item
    heading: str  # heading trail joined with " › "
    headings: tuple[str, ...]
    start: int  # offsets into the normalised text: text == normalised[start:end]
    end: int
    page_start: int | None
    page_end: int | None
    text: str
    context: str = ""  # the document's type, số ký hiệu, trích yếu, issuer, place, year and the heading trail

    @property
    def indexed_text(self) -> str:
        """What the lexical index and the embedder read: context, then the passage."""
        return indexed_text(self.context, self.text)


def indexed_text(context: str | None, text: str) -> str:
    """The context field and the passage text as one string for indexing (the passage alone when no context)."""
    return f"{context}\n{text}" if context else text


@dataclass(frozen=True)
class Duty:
    """An obligation found in a sentence: who must do what, for whom, how often, by when."""

    doc_id: str
    section: str
    sentence: str  # exact substring of the normalised text
    start: int
    end: int
    actor: str | None
    action: str  # "báo cáo", "gửi", "đăng ký", "tổ chức", ...
    object: str | None
    recipient: str | None
    intermediary: str | None  # "Sở Nội vụ" in "báo cáo UBND tỉnh (qua Sở Nội vụ)"
    frequency: str | None  # "monthly" | "quarterly" | "semiannual" | "annual" | "periodic" | "once" | None
    deadline: str | None  # as written, e.g. "trước ngày 15/11 hàng năm"
    deadline_date: str | None  # ISO when absolute ("2020-07-10")
    deadline_recurrence: str | None  # "--11-15" style month-day for yearly recurrence, None otherwise
    page: int | None = None


@dataclass
class Document:
    """A read and parsed document, ready to store."""

    doc_id: str  # content hash of the normalised text (16 hex)
    source: str  # path relative to the corpus root, "/" separators
    format: str
    encoding: str | None
    text: str  # normalised text: what offsets and quotes refer to
    pages: list[PageSpan]
    structure: DocumentStructure
    chunks: list[Chunk] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)

    @property
    def issuer(self) -> str | None:
        return "; ".join(self.structure.issuers) or None


@dataclass(frozen=True)
class DocumentInfo:
    """One row of `tracuu docs --json`; field names are the JSON keys."""

    doc_id: str
    source: str
    doc_type: str | None
    doc_number: str | None
    title: str | None
    issuer: str | None
    place: str | None
    date: str | None
    year: int | None
    signers: list[str]
    recipients: list[str]
    references: list[str]
    n_chunks: int


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file during a build; `reason` is plain Vietnamese for skipped/failed/duplicate."""

    source: str
    status: str  # indexed | updated | unchanged | renamed | removed | duplicate | skipped | failed
    reason: str | None = None
    encoding: str | None = None
    sha256: str | None = None  # the file's content hash when the build knows it (removed: as last indexed)


@dataclass
class BuildReport:
    """Result of build_index; field names are the `index --json` keys."""

    mode: str  # "hybrid" | "lexical"
    model: str | None
    documents: int
    chunks: int
    files: list[FileOutcome] = field(default_factory=list)
    embedded_chunks: int = 0  # chunks embedded during this build (incremental builds embed only changes)
    message: str | None = None  # e.g. why the build is lexical-only
