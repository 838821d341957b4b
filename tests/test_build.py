"""build_index: incremental updates, duplicates, unreadable files, the lock, killed builds and the index/docs CLI."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.model import indexed_text

from fake_embedder import FakeEmbedder
from indexer.store.ann import dense_search
from indexer.build import NothingIndexed, build_index

REPO = Path(__file__).resolve().parents[1]
from indexer.errors import IndexLocked
from indexer.store.generations import build_lock, current_generation, generations
from indexer.store.reader import IndexReader
from search.cli import main

TESTS_DIR = Path(__file__).resolve().parent
EDITED = "002_29bb97ec301183b7.txt"
NEW_SENTENCE = "Giao Sở Tài nguyên và Môi trường rà soát bản đồ ngập lụt của các xã ven biển trước mùa mưa bão."


def _statuses(report) -> dict[str, str]:
    return {f.source: f.status for f in report.files}


def _chunk_texts(index_dir: Path, source: str) -> set[str]:
    reader = IndexReader.open(index_dir, embedder=FakeEmbedder())
    try:
        return {c.text for c in reader.chunk_rows(range(reader.n_rows)) if c.source == source}
    finally:
        reader.close()


def _edit(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    anchor = "định kỳ hàng quý"
    assert anchor in text
    path.write_text(text.replace(anchor, NEW_SENTENCE + " " + anchor, 1), encoding="utf-8")


def test_first_build_is_hybrid_with_fake_embedder(corpus_copy: Path, tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    report = build_index([corpus_copy], tmp_path / "index", model=embedder)
    assert report.mode == "hybrid" and report.model == "fake-hash-embedder"
    assert set(_statuses(report).values()) == {"indexed"} and report.documents == 5
    assert report.embedded_chunks == embedder.passages_encoded > 0
    reader = IndexReader.open(tmp_path / "index", embedder=FakeEmbedder())
    assert reader.dense_index().ntotal == reader.n_rows == report.chunks


def test_reindex_after_edit_embeds_only_the_changed_chunks(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus_copy], index_dir, model=FakeEmbedder())
    before = _chunk_texts(index_dir, EDITED)
    _edit(corpus_copy / EDITED)
    embedder = FakeEmbedder()
    report = build_index([corpus_copy], index_dir, model=embedder)
    statuses = _statuses(report)
    assert statuses.pop(EDITED) == "updated"
    assert set(statuses.values()) == {"unchanged"}
    after = _chunk_texts(index_dir, EDITED)
    new_texts = after - before
    assert any(NEW_SENTENCE in t for t in new_texts)
    # Only chunk texts that did not exist before were embedded; the other files' chunks came from the cache.
    assert report.embedded_chunks == len(new_texts) == embedder.passages_encoded
    assert 0 < report.embedded_chunks < len(after)
    reader = IndexReader.open(index_dir, embedder=FakeEmbedder())
    vectors = reader.dense_index().reconstruct_n(0, reader.n_rows)
    # The embedder reads each passage together with its document context (indexer.model.indexed_text).
    expected = FakeEmbedder().encode_passages([indexed_text(c.context, c.text)
                                               for c in reader.chunk_rows(range(reader.n_rows))])
    assert np.allclose(vectors, expected, atol=1e-6)


def test_deleting_a_file_removes_its_chunks(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus_copy], index_dir, model=FakeEmbedder())
    reader = IndexReader.open(index_dir, embedder=FakeEmbedder())
    gone = next(d for d in reader.documents() if d.source == EDITED)
    (corpus_copy / EDITED).unlink()
    report = build_index([corpus_copy], index_dir, model=FakeEmbedder())
    assert _statuses(report)[EDITED] == "removed" and report.documents == 4
    assert report.embedded_chunks == 0
    reader = IndexReader.open(index_dir, embedder=FakeEmbedder())
    rows = reader.chunk_rows(range(reader.n_rows))
    assert [c.row for c in rows] == list(range(reader.n_rows)) == list(range(report.chunks))
    assert gone.doc_id not in {c.doc_id for c in rows} and reader.document(gone.doc_id) is None
    assert not reader.duties(doc_id=gone.doc_id)
    assert reader.lexical().n_rows == reader.dense_index().ntotal == reader.n_rows


def test_unchanged_build_keeps_the_generation(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus_copy], index_dir, dense=False)
    live = current_generation(index_dir)
    os.utime(corpus_copy / EDITED, ns=(1, 1))  # new mtime, same bytes: the hash says unchanged
    report = build_index([corpus_copy], index_dir, dense=False)
    assert set(_statuses(report).values()) == {"unchanged"}
    assert current_generation(index_dir) == live and len(generations(index_dir)) == 1


def test_duplicates_are_indexed_once_and_promoted_when_the_original_goes(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    (corpus_copy / "zz_copy.txt").write_bytes((corpus_copy / EDITED).read_bytes())
    report = build_index([corpus_copy], index_dir, dense=False)
    outcome = next(f for f in report.files if f.source == "zz_copy.txt")
    assert outcome.status == "duplicate" and outcome.reason.startswith(f"Trùng nội dung với {EDITED}")
    assert report.documents == 5
    reader = IndexReader.open(index_dir)
    roles = {f["source"]: f["role"] for f in reader.files()}
    assert roles["zz_copy.txt"] == "duplicate" and roles[EDITED] == "primary"
    (corpus_copy / EDITED).unlink()
    report = build_index([corpus_copy], index_dir, dense=False)
    statuses = _statuses(report)
    assert statuses[EDITED] == "removed" and statuses["zz_copy.txt"] == "updated" and report.documents == 5
    reader = IndexReader.open(index_dir)
    assert "zz_copy.txt" in {d.source for d in reader.documents()}


def test_unreadable_files_are_reported_and_the_rest_indexes(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "bang-tinh.xyz").write_bytes(b"\x00\x01 not a document")
    (corpus_copy / "hong.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    report = build_index([corpus_copy], tmp_path / "index", dense=False)
    statuses = _statuses(report)
    assert statuses["bang-tinh.xyz"] in ("skipped", "failed") and statuses["hong.pdf"] == "failed"
    reasons = {f.source: f.reason for f in report.files}
    assert reasons["bang-tinh.xyz"] and reasons["hong.pdf"]
    assert report.documents == 5
    # A failed file is retried on the next build; failing again does not make a new generation.
    live = current_generation(tmp_path / "index")
    again = build_index([corpus_copy], tmp_path / "index", dense=False)
    assert _statuses(again)["hong.pdf"] == "failed" and current_generation(tmp_path / "index") == live


def test_nothing_readable_keeps_the_previous_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hong.pdf").write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(NothingIndexed, match="Không có văn bản nào đọc được") as caught:
        build_index([corpus], tmp_path / "index", dense=False)
    assert caught.value.report.files[0].status == "failed"
    assert current_generation(tmp_path / "index") is None and not generations(tmp_path / "index")


def test_missing_model_builds_lexical_with_one_clear_line(corpus_copy: Path, tmp_path: Path) -> None:
    report = build_index([corpus_copy], tmp_path / "index", model="khong-co/mo-hinh-e5")
    assert report.mode == "lexical" and report.model is None
    assert report.message.startswith("Chưa có mô hình nhúng khong-co/mo-hinh-e5 trên máy này")
    assert "tracuu model download khong-co/mo-hinh-e5 --to DIR" in report.message and "\n" not in report.message


def test_second_build_is_refused_while_one_holds_the_lock(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    with build_lock(index_dir):
        with pytest.raises(IndexLocked, match="đang được cập nhật bởi tiến trình khác"):
            build_index([corpus_copy], index_dir, dense=False)
        start = time.monotonic()
        with pytest.raises(IndexLocked):
            build_index([corpus_copy], index_dir, dense=False, lock_timeout=0.5)
        assert time.monotonic() - start >= 0.5
    assert build_index([corpus_copy], index_dir, dense=False).documents == 5


_KILL_SCRIPT = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from fake_embedder import FakeEmbedder
import indexer.build as build
import indexer.store.lexical as lexical

marker = Path({marker!r})

def block(*args, **kwargs):
    marker.write_text("reached", encoding="utf-8")
    time.sleep(600)

class BlockingEmbedder(FakeEmbedder):
    def encode_passages(self, texts, progress=True):
        block()

point = {point!r}
if point == "lexical":
    lexical.LexicalIndex.build = classmethod(lambda cls, texts, params=None: block())
elif point == "flip":
    build.flip_current = block
embedder = BlockingEmbedder() if point == "embedding" else FakeEmbedder()
build.build_index([Path({corpus!r})], Path({index!r}), model=embedder)
"""


@pytest.mark.slow
@pytest.mark.parametrize("point", ["embedding", "lexical", "flip"])
def test_killed_build_leaves_the_previous_index_answering(point: str, corpus_copy: Path, tmp_path: Path) -> None:
    from search.retrieve.searcher import Searcher

    index_dir = tmp_path / "index"
    build_index([corpus_copy], index_dir, model=FakeEmbedder())
    live = current_generation(index_dir)
    _edit(corpus_copy / EDITED)
    (corpus_copy / "001_e2a5eb6ca02f8fd2.txt").unlink()
    marker = tmp_path / "reached"
    script = _KILL_SCRIPT.format(tests=str(TESTS_DIR), marker=str(marker), point=point,
                                 corpus=str(corpus_copy), index=str(index_dir))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode("utf-8", "replace")
            assert time.monotonic() < deadline, "the build never reached the kill point"
            time.sleep(0.05)
        # Two builds cannot interleave: the one in progress holds the lock.
        with pytest.raises(IndexLocked):
            build_index([corpus_copy], index_dir, model=FakeEmbedder())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert current_generation(index_dir) == live
    assert len(generations(index_dir)) == 2  # the half-written one is still on disk, but not live
    reader = IndexReader.open(index_dir, embedder=FakeEmbedder())
    searcher = Searcher(reader, reader.lexical())
    hits = searcher.search("định kỳ hàng quý báo cáo UBND tỉnh", k=3, mode="lexical")
    assert hits and hits[0].source == EDITED and NEW_SENTENCE not in hits[0].text
    assert "001_e2a5eb6ca02f8fd2.txt" in {d.source for d in reader.documents()}
    query = FakeEmbedder().encode_queries(["dân vận chính quyền"])
    rows, _scores = dense_search(reader.dense_index(), query, 5)[0]
    assert len(rows) == 5
    # The next build cleans up the leftover and applies the changes.
    report = build_index([corpus_copy], index_dir, model=FakeEmbedder())
    assert _statuses(report)[EDITED] == "updated" and report.documents == 4
    assert [g.name for g in generations(index_dir)] == [live.name, current_generation(index_dir).name]
    # Vectors computed before the kill (embedding comes after the lexical index, before the flip) were kept in
    # the embedding cache and are not computed again.
    if point == "flip":
        assert report.embedded_chunks == 0
    else:
        assert report.embedded_chunks > 0


def test_cli_index_and_docs_json(corpus_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    index_dir = tmp_path / "index"
    (corpus_copy / "hong.pdf").write_bytes(b"%PDF-1.4 broken")
    assert main(["index", str(corpus_copy), "--index", str(index_dir), "--no-dense", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"mode", "model", "documents", "chunks", "files"} <= set(payload)
    assert payload["mode"] == "lexical" and payload["model"] is None and payload["documents"] == 5
    assert all(set(f) == {"source", "status", "reason", "encoding", "sha256"} for f in payload["files"])
    assert all(len(f["sha256"]) == 64 for f in payload["files"] if f["status"] == "indexed")
    broken = next(f for f in payload["files"] if f["source"] == "hong.pdf")
    assert broken["status"] == "failed" and broken["reason"]
    assert main(["docs", "--index", str(index_dir), "--json"]) == 0
    docs = json.loads(capsys.readouterr().out)
    keys = {"doc_id", "source", "doc_type", "doc_number", "title", "issuer", "place", "date", "signers",
            "recipients", "references", "n_chunks"}
    assert len(docs) == 5 and all(keys <= set(d) for d in docs)
    plan = next(d for d in docs if d["source"] == EDITED)
    assert plan["doc_number"] == "80/KH-UBND" and plan["n_chunks"] > 0


def test_cli_human_output(corpus_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    index_dir = tmp_path / "index"
    (corpus_copy / "hong.pdf").write_bytes(b"%PDF-1.4 broken")
    assert main(["index", str(corpus_copy), "--index", str(index_dir), "--model", "khong-co/mo-hinh"]) == 0
    captured = capsys.readouterr()
    assert "5 văn bản" in captured.out and "chế độ lexical" in captured.out
    assert "hong.pdf: lỗi — " in captured.out
    assert captured.err.count("Chưa có mô hình nhúng khong-co/mo-hinh") == 1
    assert main(["docs", "--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert "80/KH-UBND" in out and "5 văn bản" in out


def test_cli_index_of_unreadable_corpus_fails(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hong.pdf").write_bytes(b"%PDF-1.4 broken")
    assert main(["index", str(corpus), "--index", str(tmp_path / "index"), "--no-dense"]) == 1
    assert "Không có văn bản nào đọc được" in capsys.readouterr().err
    assert main(["index", str(tmp_path / "khong-ton-tai"), "--index", str(tmp_path / "index")]) == 2
    assert "Không tìm thấy" in capsys.readouterr().err


def test_two_folders_keep_their_names_apart(corpus_copy: Path, tmp_path: Path) -> None:
    other = tmp_path / "khac"
    other.mkdir()
    (other / EDITED).write_text((corpus_copy / EDITED).read_text(encoding="utf-8") + "\nPhụ lục bổ sung.",
                                encoding="utf-8")
    report = build_index([corpus_copy, other], tmp_path / "index", dense=False)
    statuses = _statuses(report)
    assert statuses[f"corpus/{EDITED}"] == "indexed" and statuses[f"khac/{EDITED}"] == "indexed"
    assert report.documents == 6 and len(statuses) == 6


def test_switching_models_reembeds_and_the_old_model_is_refused(corpus_copy: Path, tmp_path: Path) -> None:
    from indexer.errors import IndexMismatch

    index_dir = tmp_path / "index"
    first = build_index([corpus_copy], index_dir, model=FakeEmbedder(name="mo-hinh-a"))
    second = build_index([corpus_copy], index_dir, model=FakeEmbedder(name="mo-hinh-b"))
    assert set(_statuses(second).values()) == {"unchanged"}
    assert second.model == "mo-hinh-b" and second.embedded_chunks == first.embedded_chunks > 0
    with pytest.raises(IndexMismatch, match="mô hình nhúng mo-hinh-b, nhưng đang yêu cầu mô hình mo-hinh-a"):
        IndexReader.open(index_dir, embedder=FakeEmbedder(name="mo-hinh-a"))
    lexical = build_index([corpus_copy], index_dir, dense=False)
    assert lexical.mode == "lexical" and not (current_generation(index_dir) / "dense.faiss").exists()
    # Back to a model used before: its vectors are still cached.
    again = build_index([corpus_copy], index_dir, model=FakeEmbedder(name="mo-hinh-b"))
    assert again.mode == "hybrid" and again.embedded_chunks == 0


def test_pipeline_code_change_reprocesses_every_file_without_reembedding(
        corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.build

    index_dir = tmp_path / "index"
    build_index([corpus_copy], index_dir, model=FakeEmbedder())
    monkeypatch.setattr(indexer.build, "pipeline_fingerprint", lambda: "khac-phien-ban")
    report = build_index([corpus_copy], index_dir, model=FakeEmbedder())
    assert set(_statuses(report).values()) == {"updated"} and report.documents == 5
    assert report.embedded_chunks == 0
    assert json.loads((current_generation(index_dir) / "manifest.json").read_text(encoding="utf-8"))["pipeline"] \
        == "khac-phien-ban"


def test_same_model_with_other_prefixes_is_rebuilt(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus_copy], index_dir, model=FakeEmbedder())
    report = build_index([corpus_copy], index_dir, model=FakeEmbedder(passage_prefix=""))
    assert report.embedded_chunks > 0
    manifest = json.loads((current_generation(index_dir) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"]["passage_prefix"] == "" and manifest["model"]["query_prefix"] == "query: "


@pytest.mark.slow
def test_a_missing_model_never_strips_the_vectors_of_a_hybrid_index(tiny_index_dir: Path, tmp_path: Path) -> None:
    import shutil

    from indexer.errors import ModelUnavailable
    from indexer.store.generations import current_generation

    index_dir = tmp_path / "index"
    shutil.copytree(tiny_index_dir, index_dir)
    live = current_generation(index_dir)
    before = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    assert before["mode"] == "hybrid"
    with pytest.raises(ModelUnavailable, match="giữ nguyên.*--no-dense"):
        build_index([REPO / "corpus"], index_dir, model=str(tmp_path / "no-such-model"))
    assert current_generation(index_dir) == live  # nothing flipped
    after = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    assert after["mode"] == "hybrid" and after["model"] == before["model"]
    command = [sys.executable, "-m", "search.cli", "index", str(REPO / "corpus"), "--index", str(index_dir),
               "--model", str(tmp_path / "no-such-model")]
    run = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
    assert run.returncode == 2 and "Traceback" not in run.stderr and "--no-dense" in run.stderr
    report = build_index([REPO / "corpus"], index_dir, dense=False)  # asked for on purpose: allowed
    assert report.mode == "lexical"
