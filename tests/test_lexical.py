"""The lexical index: BM25 against reference implementations, key layers, persistence, row filters."""
from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest

from indexer.errors import IndexMismatch, IndexMissing
from indexer.store.lexical import LexicalIndex, LexicalParams, LexicalQuery, QueryTerm, analyze, exact_key

CORPUS = [
    "Sở Nội vụ tổng hợp báo cáo hàng quý gửi Ủy ban nhân dân tỉnh.",
    "Định kỳ hằng quý các sở báo cáo kết quả; báo cáo gửi về Sở Nội vụ trước ngày 15/11.",
    "Xây dựng mô hình Dân vận khéo trong cải cách hành chính.",
    "Khu liên hợp sản xuất gang thép Hòa Phát Dung Quất.",
    "Hoà giải ở cơ sở, bảo đảm quyền tiếp cận thông tin của công dân.",
    "Quỹ hỗ trợ người nghèo; hạng mục đầu tư quý I năm 2021.",
    "Kế hoạch số 80/KH-UBND ngày 26/6/2020 về dân chủ ở cơ sở.",
]
LOOSE_ONLY = LexicalParams(unigram_layers=("loose",), bigram_layers=(), compounds=False)


def loose_tokens(text: str) -> list[str]:
    return [t.loose for t in analyze(text, compounds=False)]


def loose_query(text: str) -> LexicalQuery:
    return LexicalQuery(tuple(QueryTerm("loose", (key,)) for key in dict.fromkeys(loose_tokens(text))))


def reference_bm25(corpus: list[list[str]], query: list[str], k1: float, b: float) -> np.ndarray:
    """BM25 written out from the formula: Lucene IDF, Okapi term-frequency saturation."""
    n = len(corpus)
    avgdl = sum(len(d) for d in corpus) / n
    df = Counter(t for d in corpus for t in set(d))
    scores = np.zeros(n)
    for i, doc in enumerate(corpus):
        tf = Counter(doc)
        for term in set(query):
            if tf[term]:
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                scores[i] += idf * tf[term] * (k1 + 1) / (tf[term] + k1 * (1 - b + b * len(doc) / avgdl))
    return scores


@pytest.mark.parametrize("k1,b", [(1.2, 0.75), (1.5, 0.3), (0.9, 1.0)])
def test_scores_agree_with_direct_formula(k1: float, b: float) -> None:
    index = LexicalIndex.build(CORPUS, LexicalParams(k1=k1, b=b, unigram_layers=("loose",), bigram_layers=(),
                                                     compounds=False))
    tokenized = [loose_tokens(t) for t in CORPUS]
    for query in ["bao cao hang quy so noi vu", "dan van kheo", "quy", "co so dan chu"]:
        expected = reference_bm25(tokenized, loose_tokens(query), k1, b)
        np.testing.assert_allclose(index.scores(loose_query(query)), expected, rtol=1e-5, atol=1e-6)


def test_scores_agree_with_rank_bm25() -> None:
    from rank_bm25 import BM25Okapi

    class LuceneIdfBM25(BM25Okapi):
        # rank_bm25's Okapi IDF can go negative; our index uses Lucene's IDF, the rest of the formula is the same.
        def _calc_idf(self, nd):
            for word, freq in nd.items():
                self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))

    tokenized = [loose_tokens(t) for t in CORPUS]
    reference = LuceneIdfBM25(tokenized, k1=1.2, b=0.75)
    index = LexicalIndex.build(CORPUS, LOOSE_ONLY)
    for query in ["bao cao hang quy", "gang thep hoa phat", "nguoi ngheo quy"]:
        expected = reference.get_scores(loose_tokens(query))
        np.testing.assert_allclose(index.scores(loose_query(query)), expected, rtol=1e-5, atol=1e-6)


def test_bigram_postings_follow_the_formula() -> None:
    index = LexicalIndex.build(CORPUS, LexicalParams(unigram_layers=("loose",), bigram_layers=("loose",),
                                                     compounds=False))
    # Bigrams never cross punctuation: "quý; báo" in row 1 is not the bigram "quy bao".
    bigram_docs = []
    for text in CORPUS:
        tokens = analyze(text, compounds=False)
        bigram_docs.append([f"{a.loose}_{b.loose}" for a, b in zip(tokens, tokens[1:]) if b.joined])
    lengths = [len(analyze(t, compounds=False)) for t in CORPUS]
    avgdl = sum(lengths) / len(lengths)
    query = LexicalQuery((QueryTerm("loose", ("bao", "cao")),))
    df = sum("bao_cao" in d for d in bigram_docs)
    idf = math.log(1 + (len(CORPUS) - df + 0.5) / (df + 0.5))
    expected = []
    for doc, length in zip(bigram_docs, lengths):
        tf = doc.count("bao_cao")
        expected.append(idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / avgdl)) if tf else 0.0)
    np.testing.assert_allclose(index.scores(query), expected, rtol=1e-5)
    assert "quy_bao" not in bigram_docs[1]


def test_search_returns_top_k_best_first_and_only_matches() -> None:
    index = LexicalIndex.build(CORPUS)
    query = loose_query("bao cao so noi vu")
    rows, scores = index.search(query, k=3)
    full = index.scores(query)
    assert rows.tolist() == np.argsort(-full, kind="stable")[:3].tolist()
    np.testing.assert_allclose(scores, full[rows])
    assert set(rows.tolist()) >= {0, 1}
    assert np.all(np.diff(scores) <= 0) and np.all(scores > 0)
    rows, _ = index.search(loose_query("xyzzy qwerty"), k=5)
    assert rows.size == 0
    with pytest.raises(ValueError, match="k must be positive"):
        index.search(loose_query("bao cao"), k=0)


def test_exact_key_ignores_tone_placement_only() -> None:
    assert exact_key("hòa") == exact_key("hoà") == exact_key("HOÀ")
    assert exact_key("thủy") == exact_key("thuỷ")
    assert exact_key("hòa") != exact_key("hóa")
    assert exact_key("hàng") != exact_key("hằng")


def test_accent_exact_match_outranks_loose_match() -> None:
    index = LexicalIndex.build(CORPUS)
    tokens = analyze("quỹ", compounds=False)
    accented = LexicalQuery((QueryTerm("exact", (tokens[0].exact,), 0.6), QueryTerm("tone", (tokens[0].tone,), 0.15),
                             QueryTerm("loose", (tokens[0].loose,), 0.25)))
    scores = index.scores(accented)
    # "Quỹ" (row 5) beats every "quý" row, which only match through the tone-insensitive and loose keys.
    assert scores[5] > max(scores[0], scores[1])
    assert scores[0] > 0 and scores[1] > 0
    loose = index.scores(LexicalQuery((QueryTerm("loose", ("quy",)),)))
    assert {0, 1, 5} <= set(np.flatnonzero(loose).tolist())


def test_hoa_and_hoa_old_placement_match_exactly() -> None:
    index = LexicalIndex.build(["Hòa Phát", "Hoà Phát", "Hóa chất"])
    key = analyze("hòa", compounds=False)[0].exact
    scores = index.scores(LexicalQuery((QueryTerm("exact", (key,)),)))
    assert scores[0] == pytest.approx(scores[1]) and scores[0] > 0
    assert scores[2] == 0


def test_allowed_rows_as_mask_or_ids() -> None:
    index = LexicalIndex.build(CORPUS)
    query = loose_query("bao cao")
    rows, _ = index.search(query, k=5, allowed_rows=np.array([1]))
    assert rows.tolist() == [1]
    mask = np.zeros(index.n_rows, dtype=bool)
    mask[0] = True
    rows, _ = index.search(query, k=5, allowed_rows=mask)
    assert rows.tolist() == [0]
    with pytest.raises(ValueError, match="mask has shape"):
        index.search(query, k=5, allowed_rows=np.ones(3, dtype=bool))


def test_compound_identifiers_are_terms() -> None:
    index = LexicalIndex.build(CORPUS)
    key = analyze("80/KH-UBND")[-1]
    assert key.compound
    rows, _ = index.search(LexicalQuery((QueryTerm("loose", (key.loose,)),)), k=3)
    assert rows.tolist() == [6]


def test_save_load_round_trip_without_pickle(tmp_path) -> None:
    index = LexicalIndex.build(CORPUS)
    index.save(tmp_path / "lex")
    for path in (tmp_path / "lex").glob("*.npy"):
        np.load(path, allow_pickle=False)  # raises if anything needed pickle
    meta = json.loads((tmp_path / "lex" / "lexical.json").read_text(encoding="utf-8"))
    assert meta["n_rows"] == len(CORPUS)
    for mmap in (True, False):
        loaded = LexicalIndex.load(tmp_path / "lex", mmap=mmap)
        assert loaded.n_rows == index.n_rows and loaded.params == index.params
        query = loose_query("dan van kheo cai cach hanh chinh")
        np.testing.assert_array_equal(loaded.search(query, 5)[0], index.search(query, 5)[0])
        np.testing.assert_allclose(loaded.search(query, 5)[1], index.search(query, 5)[1])
    mapped = LexicalIndex.load(tmp_path / "lex").weights
    assert not mapped.flags.owndata and isinstance(mapped.base, np.memmap)  # pages stay on disk
    assert not isinstance(LexicalIndex.load(tmp_path / "lex", mmap=False).weights.base, np.memmap)


def test_load_errors_are_typed_and_vietnamese(tmp_path) -> None:
    with pytest.raises(IndexMissing, match="tracuu index"):
        LexicalIndex.load(tmp_path / "nothing")
    index = LexicalIndex.build(CORPUS[:2])
    index.save(tmp_path / "lex")
    meta_path = tmp_path / "lex" / "lexical.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["format_version"] = 999
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndexMismatch, match="định dạng 999"):
        LexicalIndex.load(tmp_path / "lex")


def test_params_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown key layer"):
        LexicalParams(unigram_layers=("exact", "phonetic"))
    with pytest.raises(ValueError, match="k1 >= 0"):
        LexicalParams(b=1.5)


def test_empty_and_blank_corpora() -> None:
    index = LexicalIndex.build([])
    assert index.n_rows == 0 and index.search(loose_query("bao cao"), 3)[0].size == 0
    index = LexicalIndex.build(["", "   ", "báo cáo"])
    assert index.n_rows == 3
    assert index.search(loose_query("bao cao"), 3)[0].tolist() == [2]


def test_rows_follow_input_order_across_batches(monkeypatch) -> None:
    import indexer.store.lexical as lexical

    monkeypatch.setattr(lexical, "_BATCH", 2)
    texts = [f"đoạn số {i} nói về chủ đề riêng{i}" for i in range(7)]
    small_batches = LexicalIndex.build(texts)
    monkeypatch.setattr(lexical, "_BATCH", 4096)
    one_batch = LexicalIndex.build(texts)
    for i in range(7):
        query = loose_query(f"rieng{i}")
        assert small_batches.search(query, 1)[0].tolist() == [i]
        np.testing.assert_allclose(small_batches.scores(query), one_batch.scores(query))
    np.testing.assert_array_equal(small_batches.term_keys, one_batch.term_keys)


def test_idf_lookup() -> None:
    index = LexicalIndex.build(CORPUS, LOOSE_ONLY)
    idf = index.idf([("loose", ("gang",)), ("loose", ("khongco",)), ("exact", ("gang",))])
    assert idf[0] == pytest.approx(math.log(1 + (7 - 1 + 0.5) / 1.5))
    assert idf[1] == 0.0
    assert idf[2] == pytest.approx(idf[0])  # exact "gang" folds into the loose layer this index carries


def test_terms_of_layers_not_carried_fold_into_coarser_ones() -> None:
    default = LexicalIndex.build(CORPUS)  # exact + loose unigrams, loose bigrams only
    assert "exact" not in default.params.bigram_layers
    first, second = analyze("báo cáo", compounds=False)
    exact_bigram = LexicalQuery((QueryTerm("exact", (first.exact, second.exact)),))
    loose_bigram = LexicalQuery((QueryTerm("loose", (first.loose, second.loose)),))
    np.testing.assert_allclose(default.scores(exact_bigram), default.scores(loose_bigram))
    assert default.scores(loose_bigram).max() > 0
    tone = LexicalQuery((QueryTerm("tone", (analyze("quý")[0].tone,)),))
    np.testing.assert_allclose(default.scores(tone), default.scores(LexicalQuery((QueryTerm("loose", ("quy",)),))))


def test_build_scanner_tokenizes_like_analyze() -> None:
    from pathlib import Path

    from indexer.store.lexical import JOINING_GAP
    from indexer.store.lexical_build import scan

    texts = [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parents[1] / "corpus").glob("*.txt"))]
    texts += ["_đầu__tiên; (mở ngoặc) 80/KH-UBND, 10.5.2023 -- a-b x\u0301y", "", "  ,;  ", "A_B c\nd",
              "\u0301ấy à\u0323 b", "kết thúc.", "x"]
    for text in texts:
        gaps, scanned = scan(text)
        tokens = analyze(text, compounds=False)
        assert scanned == [text[t.start:t.end] for t in tokens]
        assert len(gaps) == len(scanned)
        assert [i > 0 and JOINING_GAP.fullmatch(g) is not None for i, g in enumerate(gaps)] == \
            [t.joined for t in tokens]
    index = LexicalIndex.build(texts)
    assert index.doc_len.tolist() == [len(analyze(t, compounds=False)) for t in texts]


def test_compiled_and_numpy_scatter_agree(monkeypatch) -> None:
    import indexer.store.lexical as lexical

    index = LexicalIndex.build(CORPUS)
    query = loose_query("bao cao hang quy so noi vu dan van")
    compiled = index.scores(query)
    monkeypatch.setattr(lexical, "_csc_matvec", None)
    np.testing.assert_allclose(index.scores(query), compiled, rtol=1e-6)

