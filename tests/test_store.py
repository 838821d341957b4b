"""The index folder: layout, manifest checks, rows, documents, duties and filters read back through IndexReader."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from indexer.errors import IndexMismatch, IndexMissing
from indexer.store.filters import InvalidFilter
from indexer.store.generations import current_generation
from indexer.store.manifest import FORMAT_VERSION
from indexer.pipeline import process_file
from indexer.store.reader import IndexReader


@pytest.fixture(scope="module")
def reader(lexical_index_dir: Path):
    opened = IndexReader.open(lexical_index_dir)
    yield opened
    opened.close()


def _copy_index(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "index"
    shutil.copytree(src, dst)
    return dst


def test_layout_and_manifest(lexical_index_dir: Path) -> None:
    gen = current_generation(lexical_index_dir)
    assert gen is not None and gen.name.startswith("gen-")
    assert (lexical_index_dir / "CURRENT").read_text(encoding="utf-8").strip() == gen.name
    assert {p.name for p in gen.iterdir()} >= {"tracuu.sqlite", "manifest.json", "lexical"}
    assert not (gen / "dense.faiss").exists()
    manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["mode"] == "lexical" and manifest["model"] is None
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["chunking"]["max_chars"] > 0
    assert manifest["lexical"]["params"]["k1"] > 0
    assert manifest["libraries"]["numpy"] and manifest["libraries"]["sqlite"]
    assert manifest["documents"] == 5
    tables = {r[0] for r in sqlite3.connect(gen / "tracuu.sqlite").execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables >= {"documents", "files", "chunks", "sections", "doc_references", "duties", "meta"}


def test_missing_index_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match=r"Chưa có chỉ mục .*tracuu index"):
        IndexReader.open(tmp_path / "nowhere")


def test_format_mismatch_is_refused(lexical_index_dir: Path, tmp_path: Path) -> None:
    index_dir = _copy_index(lexical_index_dir, tmp_path)
    manifest_path = current_generation(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["format_version"] = 999
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatch, match=rf"định dạng 999.*cần định dạng {FORMAT_VERSION}.*tracuu index .*--index"):
        IndexReader.open(index_dir)


def test_chunking_mismatch_names_both_values(lexical_index_dir: Path, tmp_path: Path) -> None:
    index_dir = _copy_index(lexical_index_dir, tmp_path)
    manifest_path = current_generation(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    current = manifest["chunking"]["max_chars"]
    manifest["chunking"]["max_chars"] = current + 77
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatch, match=rf"cắt đoạn.*{current + 77}.*{current}.*Lập lại: tracuu index"):
        IndexReader.open(index_dir)


def test_rows_are_dense_ordered_and_exact_substrings(reader: IndexReader) -> None:
    n = reader.n_rows
    rows = reader.chunk_rows(range(n))
    assert [c.row for c in rows] == list(range(n))
    assert reader.lexical().n_rows == n
    texts = {d.doc_id: reader.document_text(d.doc_id) for d in reader.documents()}
    for chunk in rows:
        assert texts[chunk.doc_id][chunk.start:chunk.end] == chunk.text
    # Rows of one document are contiguous and follow the document order (by source).
    doc_order = [c.source for c in rows]
    assert doc_order == sorted(doc_order)
    assert reader.chunk_rows([5, 2, 5])[0].row == 5 and reader.chunk_rows([5, 2, 5])[1].row == 2
    with pytest.raises(IndexError):
        reader.chunk_rows([n + 3])


def test_documents_carry_metadata(reader: IndexReader, corpus_dir: Path) -> None:
    docs = reader.documents()
    assert [d.source for d in docs] == sorted(p.name for p in corpus_dir.glob("*.txt"))
    by_source = {d.source: d for d in docs}
    plan = by_source["002_29bb97ec301183b7.txt"]
    assert plan.doc_number == "80/KH-UBND" and plan.date == "2020-06-26"
    assert "887/UBND-NC" in plan.references and plan.signers
    assert sum(d.n_chunks for d in docs) == reader.n_rows
    assert reader.document(plan.doc_id) == plan
    assert reader.document("0000000000000000") is None
    assert [c.doc_id for c in reader.document_chunks(plan.doc_id)] == [plan.doc_id] * plan.n_chunks
    assert reader.sections(plan.doc_id)


def test_duties_round_trip(reader: IndexReader, corpus_dir: Path) -> None:
    expected = []
    for path in sorted(corpus_dir.glob("*.txt")):
        expected.extend(process_file(path, corpus_dir).duties)
    stored = reader.duties()
    assert len(stored) == len(expected) > 0
    assert sorted(stored, key=lambda d: (d.doc_id, d.start)) == sorted(expected, key=lambda d: (d.doc_id, d.start))
    quarterly = reader.duties(frequency="quarterly")
    assert quarterly and all(d.frequency == "quarterly" for d in quarterly)


def test_files_table_lists_every_source(reader: IndexReader) -> None:
    files = reader.files()
    assert len(files) == 5 and all(f["role"] == "primary" and f["doc_id"] for f in files)


def _docs_rows(reader: IndexReader, predicate) -> np.ndarray:
    mask = np.zeros(reader.n_rows, dtype=bool)
    for chunk in reader.chunk_rows(range(reader.n_rows)):
        if predicate(reader.document(chunk.doc_id)):
            mask[chunk.row] = True
    return mask


def test_row_filter_by_year_type_issuer_place(reader: IndexReader) -> None:
    assert reader.row_filter(None) is None and reader.row_filter({"year": None}) is None
    by_year = reader.row_filter({"year": 2020})
    assert np.array_equal(by_year, _docs_rows(reader, lambda d: d.year == 2020)) and by_year.any()
    span = reader.row_filter({"year": "2020-2021"})
    assert np.array_equal(span, _docs_rows(reader, lambda d: d.year in (2020, 2021)))
    assert span.sum() > by_year.sum()
    date_span = reader.row_filter({"date_from": "2020-06-01", "date_to": "2020-06-30"})
    assert np.array_equal(date_span, _docs_rows(reader, lambda d: (d.date or "").startswith("2020-06")))
    plans = reader.row_filter({"doc_type": "KH"})
    assert np.array_equal(plans, _docs_rows(reader, lambda d: d.doc_type == "Kế hoạch"))
    assert not reader.row_filter({"doc_type": "Quyết định"}).any()
    # Issuer and place match without accents or case.
    issuer = reader.row_filter({"issuer": "ubnd tinh"})
    assert np.array_equal(issuer, _docs_rows(reader, lambda d: "UBND tỉnh" in (d.issuer or "")))
    place = reader.row_filter({"place": "quang ngai"})
    assert np.array_equal(place, _docs_rows(reader, lambda d: d.place == "Quảng Ngãi")) and place.any()


def test_row_filter_rejects_bad_input(reader: IndexReader) -> None:
    with pytest.raises(InvalidFilter, match="Bộ lọc không hỗ trợ: colour"):
        reader.row_filter({"colour": "red"})
    with pytest.raises(InvalidFilter, match="Năm không hợp lệ"):
        reader.row_filter({"year": "năm ngoái"})
    with pytest.raises(InvalidFilter, match="Ngày không hợp lệ"):
        reader.row_filter({"date_from": "26/06/2020"})


def test_lexical_index_has_no_dense_parts(reader: IndexReader) -> None:
    assert reader.mode == "lexical"
    assert reader.dense_index() is None and reader.embedder() is None


def test_index_folder_name_with_uri_characters(corpus_dir: Path, tmp_path: Path) -> None:
    from indexer.build import build_index

    index_dir = tmp_path / "chỉ mục #1 ?x=%20"
    build_index([corpus_dir / "004_ca09a627ff227fa6.txt"], index_dir, dense=False)
    assert build_index([corpus_dir / "004_ca09a627ff227fa6.txt"], index_dir, dense=False).files[0].status == "unchanged"
    reader = IndexReader.open(index_dir)
    assert [d.source for d in reader.documents()] == ["004_ca09a627ff227fa6.txt"]


SHARED_PDF = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ninhbinh-pdfs" / "963.pdf"


def test_pdf_pages_round_trip(tmp_path: Path) -> None:
    from indexer.build import build_index

    index_dir = tmp_path / "index"
    build_index([SHARED_PDF], index_dir, dense=False)
    expected = process_file(SHARED_PDF, SHARED_PDF.parent)
    reader = IndexReader.open(index_dir)
    (doc,) = reader.documents()
    assert doc.source == "963.pdf" and reader.pages(doc.doc_id) == expected.pages and len(expected.pages) == 2
    chunks = reader.document_chunks(doc.doc_id)
    assert [(c.page_start, c.page_end) for c in chunks] == [(c.page_start, c.page_end) for c in expected.chunks]
    assert chunks[-1].page_end == 2
