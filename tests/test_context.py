"""Passages that know their document: the context field, the document-context score, identifiers as one term."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.model import Chunk, DocumentStructure
from indexer.store.reader import IndexReader
from indexer.structure.context import MAX_CONTEXT_CHARS, document_header, passage_context
from search import Searcher

CASE_09 = Path(__file__).resolve().parent / "data" / "09-document-number-query"


def _chunk(headings: tuple[str, ...]) -> Chunk:
    return Chunk("d:0", "d", 0, "II.1", " › ".join(headings), headings, 0, 4, None, None, "text")


def test_header_names_the_document_and_the_trail_follows() -> None:
    structure = DocumentStructure(doc_type="Kế hoạch", doc_number="80/KH-UBND", title="Thực hiện Quy chế dân chủ",
                                  issuers=["UBND tỉnh"], place="Quảng Ngãi", year=2020)
    header = document_header(structure, "ỦY BAN NHÂN DÂN …")
    assert header == "Kế hoạch 80/KH-UBND · Thực hiện Quy chế dân chủ · UBND tỉnh · Quảng Ngãi · 2020"
    context = passage_context(header, _chunk(("II. NỘI DUNG", "1. Sở Nội vụ")))
    assert context == header + "\nII. NỘI DUNG › 1. Sở Nội vụ"


def test_context_is_bounded_and_falls_back_to_the_opening() -> None:
    structure = DocumentStructure(title="x" * 5000, issuers=["Sở " * 400])
    long_trail = passage_context(document_header(structure, ""), _chunk(tuple("Mục " * 200 for _ in range(30))))
    assert len(long_trail) <= MAX_CONTEXT_CHARS + 2
    bare = DocumentStructure(body_start=0)
    opening = "UBND XÃ LƯƠNG MINH\nKế hoạch tổ chức hội nghị hiệp thương " + "nội dung " * 100
    header = document_header(bare, opening)
    assert header.startswith("UBND XÃ LƯƠNG MINH Kế hoạch tổ chức hội nghị") and len(header) <= 330


def test_stored_passages_carry_context_and_quotes_stay_exact(lexical_index_dir: Path) -> None:
    reader = IndexReader.open(lexical_index_dir)
    docs = {d.doc_id: d for d in reader.documents()}
    chunks = reader.chunk_rows(range(reader.n_rows))
    assert all(c.context for c in chunks)
    for chunk in chunks:
        doc = docs[chunk.doc_id]
        assert chunk.text == reader.document_text(chunk.doc_id)[chunk.start:chunk.end]  # passage = exact substring
        if doc.doc_number:
            assert doc.doc_number in chunk.context.split("\n")[0]
        assert chunk.context not in chunk.text
    searcher = Searcher.open(lexical_index_dir)
    hit = searcher.search("Quảng Ngãi báo cáo hàng quý Sở Nội vụ", k=1, mode="lexical")[0]
    assert "Quảng Ngãi" not in hit.text  # found through its document's context …
    assert all(hit.text[a:b] for a, b in hit.highlights)  # … highlights point into the passage itself
    assert "hàng quý" in hit.text


def test_document_context_field_is_saved_per_document(lexical_index_dir: Path) -> None:
    reader = IndexReader.open(lexical_index_dir)
    field = reader.context_index()
    assert field is not None and field.row_doc.shape[0] == reader.n_rows
    assert field.lexical.n_rows == len(reader.documents())


@pytest.fixture(scope="module")
def case09_index(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("case09") / "corpus"
    shutil.copytree(CASE_09, corpus)
    index_dir = corpus.parent / "index"
    build_index([corpus], index_dir, dense=False)
    return index_dir


@pytest.mark.parametrize("query, source, contains", [
    ("25/KH-UBND", "a-25-kh-ubnd.txt", None),
    ("kế hoạch 25/KH-UBND", "a-25-kh-ubnd.txt", None),
    ("nghi dinh 15/2023/ND-CP", "b-52-kh-ubnd.txt", "15/2023/NĐ-CP"),
    ("Nghị định 15/2023/NĐ-CP", "b-52-kh-ubnd.txt", "15/2023/NĐ-CP"),
    ("52/KH-UBND", "b-52-kh-ubnd.txt", None),
    ("25/KH-BCĐ", "c-25-kh-bcd.txt", None),
])
def test_document_number_is_one_identifier(case09_index: Path, query: str, source: str, contains: str | None) -> None:
    top = Searcher.open(case09_index).search(query, k=1, mode="lexical")[0]
    assert top.source == source
    if contains:
        assert contains in top.text
