"""The Searcher on real indexes of the sample corpus: hits, highlights, modes, filters, fusion, threads."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from search.query.parse import QueryUnderstanding
from search.retrieve.fusion import fuse, min_max, rrf, weighted
from search.retrieve.searcher import Hit, Searcher, highlight_spans

HIT_KEYS = ["rank", "score", "doc_id", "source", "doc_number", "title", "issuer", "date", "section", "heading",
            "page", "text", "highlights", "ocr_confidence"]
QUARTERLY = "định kỳ hàng quý báo cáo UBND tỉnh"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def searcher(lexical_index_dir: Path) -> Searcher:
    return Searcher.open(lexical_index_dir)


def test_hit_fields_are_the_json_keys() -> None:
    assert [f.name for f in dataclasses.fields(Hit)] == HIT_KEYS


@pytest.mark.parametrize("query", [
    "ke hoach nao yeu cau bao cao hang quy ve so noi vu",
    "Kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ?",
    "which plans require quarterly reporting to Sở Nội vụ",
])
def test_quarterly_reporting_question_finds_the_002_passage(searcher: Searcher, query: str) -> None:
    top = searcher.search(query, k=3, mode="lexical")[0]
    assert top.source.startswith("002_") and QUARTERLY in top.text
    assert top.rank == 1 and top.doc_number and top.doc_number.endswith("/KH-UBND")


def test_hits_carry_document_metadata_and_valid_highlights(searcher: Searcher) -> None:
    hits = searcher.search("khu liên hợp sản xuất gang thép Hòa Phát", k=5, mode="lexical")
    assert hits and hits[0].source.startswith("000_")
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    top = hits[0]
    highlighted = [top.text[s:e] for s, e in top.highlights]
    assert any("gang thép Hòa Phát" in piece for piece in highlighted)
    for start, end in top.highlights:
        assert 0 <= start < end <= len(top.text)


def test_unaccented_query_highlights_accented_text(searcher: Searcher) -> None:
    top = searcher.search("khu lien hop san xuat gang thep hoa phat", k=1, mode="lexical")[0]
    assert "gang thép Hòa Phát" in " ".join(top.text[s:e] for s, e in top.highlights)


def test_highlight_spans_skip_stopwords(searcher: Searcher) -> None:
    parsed = searcher.query_understanding.parse("những kế hoạch nào về dân vận")
    text = "Những nội dung về công tác dân vận"
    assert [text[s:e] for s, e in highlight_spans(text, parsed)] == ["dân vận"]


def test_dense_and_hybrid_fall_back_to_lexical_without_vectors(searcher: Searcher) -> None:
    assert not searcher.has_dense and searcher.lexical_reason
    for mode in ("dense", "hybrid"):
        result = searcher.search_result("dân vận khéo", k=3, mode=mode)
        assert result.mode == "lexical" and result.hits
    with pytest.raises(ValueError, match="unknown mode"):
        searcher.search("x", mode="semantic")


def test_filters_restrict_documents(searcher: Searcher) -> None:
    docs = {d.doc_id: d for d in searcher.documents()}
    assert len(docs) == 5
    hits = searcher.search("công tác dân vận", k=20, mode="lexical", filters={"year": 2020})
    assert hits and all(docs[h.doc_id].year == 2020 for h in hits)
    hits = searcher.search("công tác dân vận", k=20, mode="lexical", filters={"year": "2023-2024"})
    assert hits and all(2023 <= (docs[h.doc_id].year or 0) <= 2024 for h in hits)
    assert searcher.search("công tác dân vận", mode="lexical", filters={"year": 1999}) == []
    from indexer.store.filters import InvalidFilter

    with pytest.raises(InvalidFilter):
        searcher.search("công tác dân vận", filters={"colour": "red"})


def test_concurrent_searches_agree(searcher: Searcher) -> None:
    queries = ["dân vận khéo", "bao cao hang quy", "PCI", "Sở Nội vụ", "giải phóng mặt bằng"] * 4
    expected = [[h.text for h in searcher.search(q, k=5, mode="lexical")] for q in queries]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda q: [h.text for h in searcher.search(q, k=5, mode="lexical")], queries))
    assert got == expected


def test_proximity_rerank_prefers_words_together(searcher: Searcher) -> None:
    parsed = searcher.query_understanding.parse("báo cáo hàng quý")
    rows, scores = searcher.lexical.search(parsed.lexical, 50)
    texts = [c.text for c in searcher.reader.chunk_rows(rows.tolist())]
    from search.retrieve import proximity

    values = proximity.concept_values(parsed, searcher.lexical)
    together = proximity.best_window("định kỳ hàng quý báo cáo kết quả", values)
    apart = proximity.best_window("báo cáo " + "kết quả " * 20 + "hàng quý", values)
    assert together > apart > 0
    new_rows, new_scores = proximity.rerank(parsed, searcher.lexical, rows, scores, texts, weight=1.0)
    assert sorted(new_rows.tolist()) == sorted(rows.tolist())
    assert np.all(np.diff(new_scores) <= 0)


def test_hybrid_search_with_fake_embedder(fake_index_dir: Path) -> None:
    from fake_embedder import FakeEmbedder

    searcher = Searcher.open(fake_index_dir, embedder=FakeEmbedder())
    assert searcher.has_dense and searcher.lexical_reason is None
    for mode in ("dense", "hybrid", "lexical"):
        result = searcher.search_result("dân vận khéo phát sóng", k=5, mode=mode)
        assert result.mode == mode and 0 < len(result.hits) <= 5
    from search.retrieve.searcher import CANDIDATES

    parsed = searcher.query_understanding.parse("tăng thời lượng phát sóng")
    lexical = searcher.ranked_rows(parsed, CANDIDATES, "lexical")
    dense = searcher.ranked_rows(parsed, CANDIDATES, "dense")
    for method in ("rrf", "weighted"):
        rows, scores = searcher.ranked_rows(parsed, 5, "hybrid", fusion=method)
        expected_rows, expected_scores = fuse(method, lexical, dense)
        assert rows.tolist() == expected_rows[:5].tolist()
        np.testing.assert_allclose(scores, expected_scores[:5], rtol=1e-6)
    docs = {d.doc_id: d for d in searcher.documents()}
    filtered = searcher.search("dân vận", k=10, mode="hybrid", filters={"year": 2021})
    assert filtered and all(docs[h.doc_id].year == 2021 for h in filtered)


def test_rrf_formula_and_order() -> None:
    a = (np.array([1, 2, 3]), np.array([9.0, 5.0, 1.0], dtype=np.float32))
    b = (np.array([3, 4]), np.array([0.9, 0.8], dtype=np.float32))
    rows, scores = rrf([a, b], k=60)
    expected = {1: 1 / 61, 2: 1 / 62, 3: 1 / 63 + 1 / 61, 4: 1 / 62}
    assert rows.tolist() == [3, 1, 2, 4]  # 2 and 4 tie: lower row first
    np.testing.assert_allclose(scores, [expected[r] for r in rows.tolist()], rtol=1e-6)
    with pytest.raises(ValueError, match="positive"):
        rrf([a], k=0)


def test_weighted_fusion_normalises_each_list() -> None:
    np.testing.assert_allclose(min_max(np.array([2.0, 4.0, 3.0])), [0.0, 1.0, 0.5])
    np.testing.assert_allclose(min_max(np.array([7.0, 7.0])), [1.0, 1.0])
    lexical = (np.array([10, 11, 12]), np.array([30.0, 20.0, 10.0]))
    dense = (np.array([12, 13]), np.array([0.9, 0.5]))
    rows, scores = weighted([lexical, dense], [0.5, 0.5])
    got = dict(zip(rows.tolist(), scores.tolist()))
    assert got[10] == pytest.approx(0.5) and got[12] == pytest.approx(0.5) and got[13] == pytest.approx(0.0)
    assert got[11] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="one weight per list"):
        weighted([lexical], [0.5, 0.5])
    with pytest.raises(ValueError, match="unknown fusion"):
        fuse("max", lexical, dense)
    assert fuse("rrf", lexical, (np.empty(0, np.int64), np.empty(0, np.float32)))[0].tolist() == [10, 11, 12]


def test_search_cli_json_contract(lexical_index_dir: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "search.cli", "search", "bao cao hang quy", "--index", str(lexical_index_dir),
         "--mode", "hybrid", "-k", "3", "--json"],
        capture_output=True, text=True, encoding="utf-8", cwd=REPO, check=True)
    payload = json.loads(out.stdout)
    # the contract's keys in order; restored_query is the one documented extra (README, JSON)
    assert list(payload) == ["query", "mode", "restored_query", "hits"] and payload["mode"] == "lexical"
    assert payload["restored_query"] == "báo cáo hàng quý"
    assert payload["query"] == "bao cao hang quy" and len(payload["hits"]) == 3
    assert list(payload["hits"][0]) == HIT_KEYS
    assert "tìm theo từ vựng" in out.stderr


def test_search_cli_human_output(lexical_index_dir: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "search.cli", "search", "gang thép Hòa Phát", "--index", str(lexical_index_dir),
         "--mode", "lexical", "-k", "2", "--year", "2021"],
        capture_output=True, text=True, encoding="utf-8", cwd=REPO, check=True)
    assert "Chế độ: lexical" in out.stdout and "[gang thép Hòa Phát]" in out.stdout
    assert "000_4f88f90e5661ea20.txt" in out.stdout


def test_signer_question_puts_the_signature_passage_first(searcher: Searcher) -> None:
    parsed = searcher.query_understanding.parse("ai là người ký kế hoạch của Sở Công Thương")
    assert parsed.intent == "signer"
    top = searcher.search("ai là người ký kế hoạch của Sở Công Thương", k=3, mode="lexical")[0]
    assert top.source.startswith("003_") and "Võ Văn Rân" in top.text
    top = searcher.search("who signed the plan of Ban Quản lý Khu kinh tế", k=3, mode="lexical")[0]
    assert top.source.startswith("004_") and "Nguyễn Như Trình" in top.text
    # Filters still apply to the passages put first.
    hits = searcher.search("ai ký kế hoạch của Sở Công Thương", k=3, mode="lexical", filters={"year": 2020})
    assert all(not h.source.startswith("003_") for h in hits)
    assert searcher.query_understanding.parse("kế hoạch ký kết phối hợp").intent is None


def test_put_first_keeps_scores_descending() -> None:
    from search.retrieve.doc_match import put_first

    rows, scores = put_first(np.array([5, 6, 7]), np.array([3.0, 2.0, 1.0], dtype=np.float32), [(7, 2.0), (9, 1.0)])
    assert rows.tolist() == [7, 9, 5, 6]
    assert np.all(np.diff(scores) <= 0)


def test_missing_query_model_falls_back_to_lexical_and_says_why(fake_index_dir: Path) -> None:
    # The fake embedder cannot be loaded by its stamped name: like a model absent from an offline machine.
    searcher = Searcher.open(fake_index_dir)
    result = searcher.search_result("dân vận khéo", k=3, mode="hybrid")
    assert result.mode == "lexical" and result.hits
    assert not searcher.has_dense
    assert "fake-hash-embedder" in searcher.lexical_reason and "từ vựng" in searcher.lexical_reason


@pytest.mark.parametrize("question, expected", [
    ("Những báo cáo nào của Ban Chỉ đạo tỉnh về Đề án 06?", True),
    ("Kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ?", True),
    ("which reports mention drug prevention", True),
    ("cơ quan nào báo cáo UBND tỉnh hàng quý", False),
    ("báo cáo hàng quý gửi Sở Nội vụ", False),
    ("Tờ trình số 233/TTr-CAT đề nghị ban hành kế hoạch nào?", False),  # names one document by its number
])
def test_which_documents_questions_are_recognised(question: str, expected: bool) -> None:
    assert QueryUnderstanding().parse(question).asks_for_documents is expected


def test_which_plans_question_spreads_over_documents(lexical_index_dir: Path) -> None:
    searcher = Searcher.open(lexical_index_dir)
    hits = searcher.search("Những kế hoạch nào yêu cầu báo cáo định kỳ 6 tháng?", k=10, mode="lexical")
    docs = [h.doc_id for h in hits]
    for i, doc in enumerate(docs):  # no third passage of a plan ahead of another plan's first
        if docs[:i].count(doc) >= 2:
            assert set(docs[i:]) <= set(docs[:i])
    assert len(set(docs[:3])) >= 2
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_issued_question_puts_the_header_first(lexical_index_dir: Path) -> None:
    searcher = Searcher.open(lexical_index_dir)
    parsed = searcher.query_understanding.parse("Kế hoạch thực hiện Quy chế dân chủ ở cơ sở năm 2020 có số hiệu gì?")
    assert parsed.intent == "issued"
    top = searcher.search("Kế hoạch thực hiện Quy chế dân chủ ở cơ sở năm 2020 có số hiệu gì?", k=3, mode="lexical")[0]
    assert top.doc_number == "80/KH-UBND" and "Số: 80 /KH-UBND" in top.text  # the header passage, as printed


def test_search_output_piped_into_head_ends_quietly(lexical_index_dir: Path) -> None:
    # --json with every passage: far more than a pipe buffer (64 KiB), so the writer does meet the closed pipe
    command = [sys.executable, "-m", "search.cli", "search", "báo cáo", "--index", str(lexical_index_dir), "-k", "500",
               "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    process.stdout.readline()
    process.stdout.close()  # what `| head -1` does
    _, stderr = process.communicate(timeout=60)
    assert b"Traceback" not in stderr and b"BrokenPipeError" not in stderr
    assert process.returncode == 0
