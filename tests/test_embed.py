"""Embedders and the dense index: model resolution, offline behaviour, a real tiny model, FAISS against numpy."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fake_embedder import FakeEmbedder
from indexer.store.ann import build_dense_index, dense_search
from indexer.embed.embedders import (
    Embedder, SentenceTransformerEmbedder, default_prefixes, download_model, resolve_model,
)
from indexer.errors import IndexMismatch, ModelUnavailable
from indexer.model import indexed_text
from indexer.settings import DEFAULT_MODEL
from indexer.store.reader import IndexReader

REPO = Path(__file__).resolve().parents[1]
QUERIES = ["báo cáo hàng quý về Sở Nội vụ", "dan van chinh quyen", "khu kinh tế Dung Quất", "quy chế dân chủ"]


def test_resolve_default_and_names() -> None:
    # conftest hides the bundled model: the default is the hub name, used only if it is in the local cache
    spec = resolve_model(None)
    assert spec.name == spec.location == DEFAULT_MODEL
    assert (spec.query_prefix, spec.passage_prefix) == ("query: ", "passage: ")
    assert default_prefixes("sentence-transformers/all-MiniLM-L6-v2") == ("", "")
    assert default_prefixes("intfloat/multilingual-e5-large-instruct") == ("", "")


def test_resolve_folder_uses_its_label(tmp_path: Path) -> None:
    labelled = tmp_path / "e5"
    labelled.mkdir()
    (labelled / "tracuu-model.json").write_text(json.dumps({"name": "intfloat/multilingual-e5-small"}), encoding="utf-8")
    spec = resolve_model(str(labelled))
    assert spec.name == "intfloat/multilingual-e5-small" and spec.location == str(labelled.resolve())
    assert spec.query_prefix == "query: " and spec.is_folder
    bare = tmp_path / "some-model"
    bare.mkdir()
    assert resolve_model(str(bare)).name == str(bare.resolve())


def test_model_not_on_this_machine_is_a_clear_error() -> None:
    with pytest.raises(ModelUnavailable, match=r"Chưa có mô hình nhúng khong-co/mo-hinh .*tracuu model download"):
        SentenceTransformerEmbedder.load("khong-co/mo-hinh")


@pytest.mark.slow
def test_folder_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="không chứa mô hình sentence-transformers"):
        SentenceTransformerEmbedder.load(str(tmp_path))


def test_download_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ModelUnavailable, match="đã có dữ liệu"):
        download_model("intfloat/multilingual-e5-small", tmp_path)


def test_fake_embedder_is_a_normalised_deterministic_embedder(fake_embedder: FakeEmbedder) -> None:
    assert isinstance(fake_embedder, Embedder)
    vectors = fake_embedder.encode_passages(["Kế hoạch dân vận", "Ke hoach dan van", "báo cáo hàng quý"])
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.allclose(vectors[0], vectors[1])  # loose keys: accents do not matter
    assert np.array_equal(vectors, FakeEmbedder().encode_passages(["Kế hoạch dân vận", "Ke hoach dan van",
                                                                    "báo cáo hàng quý"]))


def test_dense_search_matches_brute_force_and_drops_missing_ids() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 24)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index, info = build_dense_index(vectors)
    assert info["n_vectors"] == 300 and info["dimension"] == 24
    queries = vectors[:5] + 0.1 * rng.normal(size=(5, 24)).astype(np.float32)
    for query, (rows, scores) in zip(queries, dense_search(index, queries, 10)):
        brute = vectors @ query
        assert list(rows) == list(np.argsort(-brute, kind="stable")[:10])
        assert np.allclose(scores, brute[rows], atol=1e-5)
    allowed = np.zeros(300, dtype=bool)
    allowed[[3, 50, 299]] = True
    rows, scores = dense_search(index, queries[:1], 10, allowed)[0]
    assert sorted(rows) == [3, 50, 299] and len(rows) == 3  # only 3 candidates: FAISS's -1 padding is gone
    assert all(r >= 0 for r in rows)
    assert dense_search(index, queries[:1], 10, np.zeros(300, dtype=bool))[0][0].size == 0


def test_lexical_commands_do_not_import_torch(lexical_index_dir: Path) -> None:
    code = ("import sys; from search.cli import main; main(['docs', '--index', sys.argv[1], '--json']); "
            "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'faiss') if m in sys.modules]; "
            "print('HEAVY', heavy, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(lexical_index_dir)], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr
    bare = subprocess.run([sys.executable, "-c", "import sys, search.cli; print('torch' in sys.modules)"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert bare.stdout.strip() == "False"


# ---- the tiny real model (imports torch: slow) -------------------------------------------------------------


@pytest.mark.slow
def test_tiny_model_loads_through_sentence_transformers(tiny_model_dir: Path) -> None:
    from sentence_transformers import SentenceTransformer

    embedder = SentenceTransformerEmbedder.load(str(tiny_model_dir))
    assert (embedder.name, embedder.dimension) == ("tiny-test-bert", 32)
    assert (embedder.query_prefix, embedder.passage_prefix) == ("query: ", "passage: ")
    passages = ["Kế hoạch", "báo cáo định kỳ hàng quý về Sở Nội vụ trước ngày 15", "dân vận chính quyền năm 2023"]
    vectors = embedder.encode_passages(passages, progress=False)
    assert vectors.shape == (3, 32) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Sorting by length for batching must not reorder the output.
    plain = SentenceTransformer(str(tiny_model_dir), device="cpu")
    direct = plain.encode(["passage: " + p for p in passages], normalize_embeddings=True)
    assert np.allclose(vectors, direct, atol=1e-5)
    query = embedder.encode_queries(["hàng quý"])
    assert np.allclose(query, plain.encode(["query: hàng quý"], normalize_embeddings=True), atol=1e-5)


@pytest.mark.slow
def test_tiny_hybrid_index_faiss_equals_brute_force(tiny_index_dir: Path, tiny_model_dir: Path) -> None:
    reader = IndexReader.open(tiny_index_dir)
    manifest = reader.manifest
    assert manifest["mode"] == "hybrid"
    assert manifest["model"]["name"] == "tiny-test-bert" and manifest["model"]["dimension"] == 32
    assert manifest["model"]["passage_prefix"] == "passage: " and manifest["dense"]["type"] == "IndexFlatIP"
    embedder = reader.embedder()  # loaded from the folder recorded in the manifest
    assert embedder.name == "tiny-test-bert"
    chunks = reader.chunk_rows(range(reader.n_rows))
    # the index embeds each passage with its context line (indexer.model.indexed_text)
    passages = embedder.encode_passages([indexed_text(c.context, c.text) for c in chunks], progress=False)
    index = reader.dense_index()
    assert np.allclose(index.reconstruct_n(0, index.ntotal), passages, atol=1e-5)
    queries = embedder.encode_queries(QUERIES)
    mask = reader.row_filter({"year": "2020-2021"})
    for query, (rows, scores) in zip(queries, dense_search(index, queries, 10)):
        brute = passages @ query
        assert np.allclose(scores, np.sort(brute)[::-1][:10], atol=1e-5)
        assert np.allclose(brute[rows], scores, atol=1e-5) and len(set(rows)) == 10
        f_rows, f_scores = dense_search(index, query, 10, mask)[0]
        masked = np.where(mask, brute, -np.inf)
        assert mask[f_rows].all() and np.allclose(f_scores, np.sort(masked)[::-1][:10], atol=1e-5)


@pytest.mark.slow
def test_searcher_dense_and_hybrid_with_tiny_model(tiny_index_dir: Path) -> None:
    from search.retrieve.searcher import Searcher

    searcher = Searcher.open(tiny_index_dir)
    for mode in ("dense", "hybrid"):
        result = searcher.search_result("báo cáo hàng quý", k=5, mode=mode)
        assert result.mode == mode and len(result.hits) == 5


@pytest.mark.slow
def test_other_model_is_refused_naming_both(tiny_index_dir: Path, tmp_path: Path) -> None:
    from tiny_model import build_tiny_model

    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").glob("*.txt"))]
    other = build_tiny_model(tmp_path / "other", texts, name="tiny-test-bert-khac", seed=1)
    with pytest.raises(IndexMismatch, match=r"mô hình nhúng tiny-test-bert, .*mô hình tiny-test-bert-khac.*tracuu index"):
        IndexReader.open(tiny_index_dir, model=str(other))
    with pytest.raises(IndexMismatch, match="fake-hash-embedder"):
        IndexReader.open(tiny_index_dir, embedder=FakeEmbedder(dimension=32))


@pytest.mark.slow
def test_model_download_fails_clearly_offline(tmp_path: Path) -> None:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-m", "search.cli", "model", "download", "intfloat/multilingual-e5-small",
                           "--to", str(tmp_path / "e5")], capture_output=True, text=True, cwd=REPO, env=env,
                          timeout=300)
    assert done.returncode == 2
    assert "Không tải được mô hình intfloat/multilingual-e5-small" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
