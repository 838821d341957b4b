"""One file through the stages: read → normalise → structure → chunk → duties."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from indexer.structure.chunking import ChunkingParams, chunk_document
from indexer.structure.context import document_header, passage_context
from indexer.duties.extract import extract_duties
from indexer.errors import ReadError
from indexer.model import Document, NormalizedText, RawText
from indexer.read.readers import read_file
from indexer.structure.parse import parse_structure
from indexer.text.vntext import normalize_pages


# A document's derived text may be at most this many times its own text (+ slack): passages with their context
# lines and duty sentences stay well below it (each unit is bounded); anything above is refused, not stored.
OUTPUT_FACTOR = 20
OUTPUT_SLACK = 1_000_000
PAGED_FORMATS = frozenset({"pdf"})
# Readers whose text carries markdown layout: authors' .txt/.md files and the DOCX reader (bold as **…**). HTML and
# the OpenDocument/LibreOffice formats write plain text, so a "*" there is the author's own character.
MARKUP_FORMATS = frozenset({"txt", "md", "docx"})


def content_id(text: str) -> str:
    """Deterministic document id: the first 16 hex digits of the SHA-256 of the normalised text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def relative_source(path: Path, root: Path | None) -> str:
    """The path shown to users and stored: relative to the corpus root, with "/" separators."""
    path = Path(path)
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def normalise(raw: RawText) -> NormalizedText:
    """The normalised text of what a reader returned: markup taken out into marks, page spans only for paged formats."""
    norm = normalize_pages(raw.pages, ocr_pages=raw.ocr_pages, markup=raw.format in MARKUP_FORMATS)
    if raw.format not in PAGED_FORMATS:
        # A .txt or .docx has no printed pages: citations must not claim "trang 1".
        norm = replace(norm, pages=[])
    return norm


def process_file(
    path: Path,
    root: Path | None = None,
    params: ChunkingParams | None = None,
    max_bytes: int | None = None,
) -> Document:
    """Read and analyse one file. Raises ReadError (with a Vietnamese reason) when it cannot be read."""
    raw = read_file(Path(path), max_bytes=max_bytes)
    norm = normalise(raw)
    doc_id = content_id(norm.text)
    structure = parse_structure(norm.text, marks=norm.marks)
    chunks = chunk_document(doc_id, norm, structure, params or ChunkingParams())
    header = document_header(structure, norm.text)
    chunks = [replace(c, context=passage_context(header, c)) for c in chunks]
    duties = extract_duties(doc_id, norm, structure)
    return Document(
        doc_id=doc_id,
        source=relative_source(Path(path), root),
        format=raw.format,
        encoding=raw.encoding,
        text=norm.text,
        pages=norm.pages,
        structure=structure,
        chunks=chunks,
        duties=duties,
    )


def process_file_bounded(path: Path, root: Path | None = None, params: ChunkingParams | None = None,
                         max_bytes: int | None = None) -> Document:
    """process_file, refusing (ReadError) a document whose derived text — passages, their context lines and heading
    trails, duty sentences — exceeds OUTPUT_FACTOR × its own text + OUTPUT_SLACK characters: the guard behind the
    per-unit bounds, so that no input can make the index grow out of proportion with it."""
    doc = process_file(path, root, params, max_bytes)
    derived = (sum(len(c.text) + len(c.context) + len(c.heading) for c in doc.chunks)
               + sum(len(d.sentence) for d in doc.duties))
    allowed = OUTPUT_FACTOR * len(doc.text) + OUTPUT_SLACK
    if derived > allowed:
        raise ReadError(f"dữ liệu sinh ra từ tệp ({derived / 1e6:.1f} triệu ký tự) vượt {OUTPUT_FACTOR} lần văn bản "
                        f"của nó ({len(doc.text) / 1e6:.1f} triệu ký tự): bỏ qua để chỉ mục không phình ra")
    return doc


def preload() -> None:
    """Import once, before forking, what the readers and the chunker import lazily: otherwise every per-file child
    pays for it again (langchain alone ~0.5 s: 3,000 small files went from minutes to half an hour)."""
    import importlib

    for name in ("langchain_text_splitters", "pypdf", "pypdfium2", "docx", "indexer.read.docx_text"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
