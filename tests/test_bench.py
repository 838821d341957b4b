"""Benchmark pieces: synthetic archive, queries, overlap metric, clustered vectors, fast lexical search, ONNX, smoke run."""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from bench.lexical_bench import overlap_at_k, peer_tokens
from bench.lexical_fast import FastSearch, scatter_add, top_k_dense
from bench.measure import latency_summary
from bench.queries import make_queries, strip_diacritics
from bench.run import parse_size
from bench.synth import ArchiveSynth, SectionPool, load_pool

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pool() -> SectionPool:
    # The seed plans and the first 60 central legal texts: enough variety, loads in well under a second.
    return load_pool(max_docs=60)


@pytest.fixture(scope="module")
def passages(pool: SectionPool) -> list[str]:
    return list(ArchiveSynth(pool, seed=3).passages(1500))


# ---- synthetic archive ------------------------------------------------------------------------------------


def test_plans_are_deterministic_and_vary(pool):
    synth = ArchiveSynth(pool, seed=7)
    assert synth.plan(5).text == ArchiveSynth(pool, seed=7).plan(5).text
    assert synth.plan(5).text != synth.plan(6).text
    assert synth.plan(5).text != ArchiveSynth(pool, seed=8).plan(5).text


def test_plan_has_the_layout_of_a_ke_hoach(pool):
    plan = ArchiveSynth(pool, seed=1).plan(0)
    text = plan.text
    assert re.search(r"^Số: \d+/KH-[A-ZĐ]+$", text, re.M)
    assert f"Số: {plan.number}" in text
    assert re.search(r"^[^\n,]+, ngày \d{2} tháng \d{2} năm 20\d\d$", text, re.M)
    assert "\nKẾ HOẠCH\n" in text and "Căn cứ" in text
    assert re.search(r"^I\. ", text, re.M) and re.search(r"^II\. ", text, re.M)
    assert re.search(r"^1\. ", text, re.M)
    assert "Nơi nhận:" in text and "- Lưu: VT." in text
    assert text == unicodedata.normalize("NFC", text)
    # every passage is a piece of the plan's text
    assert all(p in text for p in plan.passages)


def test_our_structure_parser_reads_the_synthetic_header(pool):
    from indexer.structure.parse import parse_structure
    from indexer.text.vntext import normalize

    plan = ArchiveSynth(pool, seed=2).plan(11)
    structure = parse_structure(normalize(plan.text))
    assert structure.doc_number == plan.number
    assert structure.date and re.fullmatch(r"20\d\d-\d\d-\d\d", structure.date)
    assert structure.recipients


def test_passages_yields_exactly_n(pool):
    synth = ArchiveSynth(pool, seed=0)
    assert len(list(synth.passages(333))) == 333
    assert list(synth.passages(40)) == list(synth.passages(333))[:40]


def test_write_archive(pool, tmp_path):
    files, produced = ArchiveSynth(pool, seed=0).write_archive(tmp_path, 200)
    written = sorted(tmp_path.rglob("*.txt"))
    assert len(written) == files and produced >= 200
    assert written[0].read_text(encoding="utf-8").startswith(("ỦY BAN", "SỞ", "BAN"))


def test_load_pool_rejects_empty_sources(tmp_path):
    with pytest.raises(ValueError, match="no source paragraphs"):
        load_pool(tmp_path, None)


# ---- queries ----------------------------------------------------------------------------------------------


@pytest.mark.shared
def test_queries_mix_dev_spans_and_unaccented(passages):
    queries = make_queries(passages, n=120, seed=1, unaccented_share=0.3)
    assert len(queries) == 120
    kinds = {q.kind for q in queries}
    assert kinds == {"dev", "span", "span_unaccented"}
    for q in queries:
        if q.kind == "span":
            words = q.text.split()
            assert 3 <= len(words) <= 8
            assert all(w in passages[q.row] for w in words)
        elif q.kind == "span_unaccented":
            assert q.text == strip_diacritics(q.text) and not re.search("[đĐ]", q.text)


def test_strip_diacritics():
    assert strip_diacritics("Đà Nẵng báo cáo hàng quý") == "Da Nang bao cao hang quy"


# ---- metrics ----------------------------------------------------------------------------------------------


def test_overlap_counts_ties_at_the_kth_score():
    scores = np.array([5.0, 4.0, 3.0, 3.0, 0.0, 1.0])
    assert overlap_at_k([[0, 1, 2]], [scores], k=3) == [1.0]
    assert overlap_at_k([[0, 1, 3]], [scores], k=3) == [1.0]  # row 3 ties with row 2 at the 3rd score
    assert overlap_at_k([[0, 5, 4]], [scores], k=3) == [pytest.approx(1 / 3)]
    assert overlap_at_k([[1]], [np.zeros(4)], k=3) == [None]
    assert overlap_at_k([[0]], [np.array([2.0, 0.0])], k=10) == [1.0]  # only one positive reference row


def test_latency_summary():
    summary = latency_summary([0.001] * 95 + [0.1] * 5)
    assert summary["p50_ms"] == pytest.approx(1.0)
    assert summary["p95_ms"] == pytest.approx(1.0)
    assert latency_summary([0.001] * 94 + [0.1] * 6)["p95_ms"] == pytest.approx(100.0)
    assert summary["qps"] == pytest.approx(100 / (0.095 + 0.5), rel=1e-3)


def test_parse_size():
    assert parse_size("10k") == 10_000 and parse_size("1m") == 1_000_000 and parse_size("2500") == 2500
    with pytest.raises(Exception, match="ít nhất 500"):
        parse_size("10")


def test_peer_tokens_split_like_our_exact_layer():
    assert peer_tokens("Số: 80/KH-UBND, Hoà Bình") == ["số", "80", "kh", "ubnd", "hoà", "bình"]


# ---- fast lexical search ------------------------------------------------------------------------------------


def test_fast_search_equals_lexical_index_search(passages):
    from indexer.store.lexical import LexicalIndex
    from search.query.parse import QueryUnderstanding

    index = LexicalIndex.build(passages)
    fast = FastSearch(index)
    understanding = QueryUnderstanding()
    queries = make_queries(passages, n=80, seed=5)
    mask = np.random.default_rng(0).random(index.n_rows) < 0.4
    for q in queries:
        lexical = understanding.parse(q.text).lexical
        for allowed in (None, mask):
            want_rows, want_scores = index.search(lexical, 10, allowed)
            rows, scores = fast.search(lexical, 10, allowed)
            assert rows.shape == want_rows.shape
            np.testing.assert_allclose(scores, want_scores, rtol=1e-4)
            # each returned row really has its score (rows tied at the 10th score may differ from the oracle's)
            full = index.scores(lexical)
            np.testing.assert_allclose(full[rows], scores, rtol=1e-4)
            if allowed is not None:
                assert allowed[rows].all()
        np.testing.assert_allclose(fast.scores(lexical), index.scores(lexical), rtol=1e-5, atol=1e-6)


def test_scatter_add_kernel_matches_numpy():
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(1000, 300, replace=False)).astype(np.int32)
    weights = rng.random(300, dtype=np.float32)
    out = np.zeros(1000, dtype=np.float32)
    scatter_add(out, rows, weights, 20, 250, 1.5)
    want = np.zeros(1000, dtype=np.float32)
    want[rows[20:250]] += weights[20:250] * np.float32(1.5)
    np.testing.assert_allclose(out, want, rtol=1e-6)


def test_top_k_dense():
    scores = np.array([0.0, 2.0, 5.0, 2.0, 0.0, 1.0], dtype=np.float32)
    rows, top = top_k_dense(scores, 3)
    assert rows.tolist() == [2, 1, 3] and top.tolist() == [5.0, 2.0, 2.0]
    rows, _ = top_k_dense(scores, 10, mask=np.array([True, True, False, True, True, True]))
    assert rows.tolist() == [1, 3, 5]
    # large arrays take the sampled-bound path: same answer as a full sort
    big = np.random.default_rng(4).random(200_000).astype(np.float32)
    big[::3] = 0.0
    rows, top = top_k_dense(big, 10)
    want = np.argsort(-big, kind="stable")[:10]
    assert rows.tolist() == want.tolist() and np.array_equal(top, big[want])


# ---- vectors ------------------------------------------------------------------------------------------------


def _clustered_real(n: int = 400, d: int = 24, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((6, d))
    x = centres[rng.integers(0, 6, n)] + 0.3 * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_vector_model_keeps_the_cluster_geometry():
    from bench.vectors import ClusteredEmbedder, VectorModel, distribution_stats

    real = _clustered_real()
    model = VectorModel(real, clusters=6)
    synth = model.sample(3000, seed=1)
    assert synth.shape == (3000, 24)
    np.testing.assert_allclose(np.linalg.norm(synth, axis=1), 1.0, rtol=1e-5)
    real_stats, synth_stats = distribution_stats(real), distribution_stats(synth)
    assert abs(real_stats["mean_cosine"] - synth_stats["mean_cosine"]) < 0.1
    uniform = np.random.default_rng(2).standard_normal((3000, 24))
    uniform /= np.linalg.norm(uniform, axis=1, keepdims=True)
    assert synth_stats["mean_cosine"] > distribution_stats(uniform)["mean_cosine"] + 0.1
    embedder = ClusteredEmbedder(model)
    a = embedder.encode_passages(["một", "hai", "một"])
    np.testing.assert_array_equal(a[0], a[2])
    assert not np.array_equal(a[0], a[1])
    assert embedder.encode_queries(["một"]).shape == (1, 24) and embedder.query_seconds > 0


def test_real_query_embedder_keeps_the_index_identity_and_times_the_real_model():
    from bench.e2e_bench import RealQueryEmbedder

    class Real:
        dimension = 24

        def encode_queries(self, texts):
            return np.ones((len(texts), 24), dtype=np.float32)

    stored = {"name": "bench-clustered-minilm", "query_prefix": "query: ", "passage_prefix": "passage: ", "dimension": 24}
    embedder = RealQueryEmbedder(stored, Real())
    assert (embedder.name, embedder.query_prefix, embedder.dimension) == ("bench-clustered-minilm", "query: ", 24)
    assert embedder.encode_queries(["một"]).shape == (1, 24) and embedder.query_seconds > 0
    with pytest.raises(SystemExit, match="384"):
        RealQueryEmbedder(dict(stored, dimension=384), Real())


# ---- ONNX ---------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_onnx_export_agrees_with_sentence_transformers(tiny_model_dir, tmp_path):
    from sentence_transformers import SentenceTransformer

    from indexer.embed.embedders import resolve_model
    from indexer.embed.onnx_embed import OnnxEmbedder, export_onnx, has_onnx

    out = export_onnx(tiny_model_dir, tmp_path / "onnx-model")
    assert has_onnx(out) and has_onnx(out, int8=False)
    texts = ["Kế hoạch phối hợp thực hiện công tác dân vận năm 2021",
             "báo cáo định kỳ hàng quý về Sở Nội vụ trước ngày 15/11",
             "Ủy ban nhân dân tỉnh"]
    spec = resolve_model(str(out))
    assert spec.passage_prefix == "passage: "  # the tiny model's label carries E5-style prefixes
    reference = SentenceTransformer(str(tiny_model_dir), device="cpu").encode(
        [spec.passage_prefix + t for t in texts], normalize_embeddings=True)
    fp32 = OnnxEmbedder.load(spec, int8=False)
    int8 = OnnxEmbedder.load(spec, int8=True)
    assert fp32.dimension == reference.shape[1] and fp32.name == spec.name
    np.testing.assert_allclose((fp32.encode_passages(texts) * reference).sum(axis=1), 1.0, atol=1e-4)
    assert ((int8.encode_passages(texts) * reference).sum(axis=1) > 0.95).all()
    # prefixes are applied like the sentence-transformers embedder does
    np.testing.assert_allclose(fp32.encode_queries(["x"]), fp32._encode_sorted(["query: x"]), atol=1e-6)


def test_onnx_embedder_reports_a_missing_export(tmp_path):
    from indexer.errors import ModelUnavailable
    from indexer.embed.onnx_embed import OnnxEmbedder

    with pytest.raises(ModelUnavailable, match="onnx"):
        OnnxEmbedder(tmp_path, "x", "", "")


# ---- the smoke run ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_bench_smoke_run_writes_json_and_markdown(tmp_path):
    from bench.dense_bench import real_model_dir
    from bench.run import main

    parts = "lexical,dense,e2e,onnx" if real_model_dir() else "lexical"
    code = main(["--size", "10k", "--queries", "60", "--real-sample", "400", "--onnx-passages", "64",
                 "--parts", parts, "--out", str(tmp_path)])
    assert code == 0
    result = json.loads((tmp_path / "10k.json").read_text(encoding="utf-8"))
    markdown = (tmp_path / "10k.md").read_text(encoding="utf-8")
    assert result["passages"] == 10_000 and result["queries"]["total"] == 60
    engines = {row["engine"] if row["engine"].startswith("ours") else row["engine"].split(" ")[0]: row
               for row in result["lexical"]["engines"]}
    assert set(engines) == {"ours (unigram)", "ours (unigram, fast path)", "ours (product)", "ours (product, fast path)",
                            "bm25s", "rank_bm25"}
    # the fast path returns the shipped search's results
    assert engines["ours (product, fast path)"]["top10_overlap"] == pytest.approx(engines["ours (product)"]["top10_overlap"], abs=0.02)
    assert result["lexical"]["reference"] == "rank_bm25"
    # the plain-BM25 configuration of our engine and bm25s agree with rank_bm25 on most of the top 10
    assert engines["ours (unigram)"]["top10_overlap"] > 0.5
    assert engines["bm25s"]["top10_overlap"] > 0.5
    for row in engines.values():
        assert 0 < row["p50_ms"] <= row["p95_ms"] and row["qps"] > 0
    assert "### Lexical" in markdown and "### Targets (issue 6)" in markdown
    assert result["targets"] and all({"target", "value", "limit", "met"} <= set(t) for t in result["targets"])
    if "dense" in result:
        rows = result["dense"]["rows"]
        exact = [r for r in rows if r["index"].startswith("Flat fp32")]
        assert exact and exact[0]["recall_at_10"] == 1.0
        assert all(0 <= r["recall_at_10"] <= 1 for r in rows)
        assert max(r["recall_at_10"] for r in rows if r["index"].startswith("HNSW")) > 0.9
        e2e = result["e2e"]
        assert e2e["passages"] > 5_000 and e2e["indexing"]["passages_per_s"] > 0
        assert e2e["search"]["has_dense"] and set(e2e["search"]["modes"]) >= {"hybrid", "lexical", "dense"}
        assert e2e["index_size_mb"]["generation"] > 0
        if e2e.get("real_query"):  # the bundled model is prepared on this machine
            real = e2e["real_query"]
            assert 0 < real["query_embed"]["p50_ms"] and 0 < real["hybrid"]["p50_ms"] and 0 < real["lexical"]["p50_ms"]
            assert "#### Hybrid with the real query embedder" in markdown
        onnx = result["onnx"]["backends"]
        assert onnx["onnx int8"]["cosine_vs_torch"]["mean"] > 0.95
        assert onnx["onnx fp32"]["cosine_vs_torch"]["min"] > 0.999
        assert "### Dense" in markdown and "### End to end" in markdown and "### Encoding" in markdown


# ---- the large-archive dense index (indexer.store.ann) -------------------------------------------------------------


@pytest.fixture()
def small_exact_limit(monkeypatch):
    from indexer.store import ann

    monkeypatch.setattr(ann, "EXACT_LIMIT", 1000)
    return ann


def _clustered(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, d))
    x = centres[rng.integers(0, 40, n)] + 0.5 * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_plan_is_exact_up_to_the_limit_then_ivf_sq8():
    from indexer.store.ann import EXACT_LIMIT, plan_dense_index

    assert plan_dense_index(EXACT_LIMIT)["type"] == "IndexFlatIP"
    big = plan_dense_index(1_000_000)
    assert big["type"] == "IndexIVFScalarQuantizer" and big["quantizer"] == "SQ8"
    assert big["nlist"] == 4096 and 0 < big["nprobe"] <= big["nlist"]
    assert plan_dense_index(100_000)["nlist"] == 1024


def test_ivf_index_recall_filters_and_round_trip(small_exact_limit, tmp_path):
    ann = small_exact_limit
    vectors = _clustered(6000)
    index, info = ann.build_dense_index(vectors)
    assert info["type"] == "IndexIVFScalarQuantizer" and not info["exact"] and info["n_vectors"] == 6000
    assert info["nlist"] == 256 and index.nprobe == info["nprobe"]
    queries = _clustered(50, seed=9)
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    found = ann.dense_search(index, queries, 10)
    recall = np.mean([len(set(rows) & set(t)) / 10 for (rows, _), t in zip(found, truth)])
    assert recall >= 0.9
    for rows, scores in found:
        assert (rows >= 0).all() and np.all(np.diff(scores) <= 1e-6)
    # a filter widens the walk in proportion: a narrow one visits every list (exact over the allowed codes)
    broad = np.random.default_rng(1).random(6000) < 0.5
    narrow = np.zeros(6000, dtype=bool)
    narrow[np.random.default_rng(2).choice(6000, 200, replace=False)] = True
    for mask in (broad, narrow):
        for (rows, scores), q in zip(ann.dense_search(index, queries[:10], 10, mask), queries[:10]):
            assert len(rows) == 10 and mask[rows].all()
            if mask is narrow:
                want = np.sort(np.where(mask, vectors @ q, -np.inf))[::-1][:10]
                np.testing.assert_allclose(scores, want, atol=0.02)  # SQ8 decoding error only
    path = tmp_path / "dense.faiss"
    ann.write_dense_index(index, path)
    again = ann.read_dense_index(path)
    assert again.nprobe == index.nprobe
    np.testing.assert_array_equal(ann.dense_search(again, queries, 10)[3][0], found[3][0])
    assert ann.dense_search(index, queries[:1], 10, np.zeros(6000, dtype=bool))[0][0].size == 0


@pytest.mark.slow  # loads the whole section pool and compiles bm25s's kernels: ~30 s
def test_lexical_scale_runs_the_three_engines_side_by_side(tmp_path):
    pytest.importorskip("bm25s")
    pytest.importorskip("rank_bm25")
    from bench.lexical_scale import build, measure, render

    build(tmp_path, 600)
    result = measure(tmp_path, rank_bm25_queries=3)
    ours = result["ours (product query, LexicalIndex.search)"]
    theirs = next(v for k, v in result.items() if k.startswith("bm25s"))
    assert result["passages"] == 600 and result["queries"] == 200
    # both read postings; ours more per query (exact and accent-free layers, bigrams)
    assert ours["postings_per_query"] > theirs["postings_per_query"] > 0
    assert ours["cpu_p50_ms"] > 0 and theirs["qps"] > 0
    assert "3 of 200 queries" in result["rank_bm25 0.2.2 (BM25Okapi)"]["note"]
    table = render(result)
    assert table.count("\n| ") >= 4 and "postings / query" in table
    build(tmp_path, 600)  # a second build reuses the folder
