"""`tracuu index --cluster`: a build whose per-file work and embedding run on a real local Ray cluster (two nodes
started with `ray start`, tests/raycluster.py) writes the same index as the single-process build — documents,
chunks, duties, sections, files, lexical arrays, manifest, vectors within 1e-5 — even when a worker process is
killed in the middle of the run; an unreachable cluster or a missing Ray says so in Vietnamese."""
from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, need_shared
from raycluster import free_ports, ray_cluster  # noqa: F401 - the fixture
from test_parallel_build import _corpus, _dump

from indexer.build import build_index
from indexer.cluster import ClusterUnavailable, RayCluster
from indexer.store.reader import DENSE_FILE

# A few real files of each kind: two one-page scans (OCR), a text PDF, a .doc (LibreOffice) and two .docx.
REAL_FILES = ("lamdong-vbai_SKM-450i25082609220.pdf", "haiduong-scan_SCAN0097-QD-UBND-2011-scanned.pdf",
              "lamdong-vbai_Giay-moi-hop-CCHC-14g-ngay-22.01.2026.pdf", "lamdong-vbai_CVVP-phucdapTT182SDTTG.doc",
              "lamdong-vbai_Chuong-trinh-hoi-nghi.docx", "lamdong-vbai_Thong-bao-ket-qua-dai-hoi-du-lich.docx")
MANIFEST_SAME = ("format_version", "mode", "model", "chunking", "lexical", "pipeline", "documents", "chunks",
                 "dense", "roots")


def _mixed_corpus(tmp_path: Path) -> Path:
    """The sample plans with cut copies, duplicates, a broken PDF, an empty file (tests/test_parallel_build.py)
    plus real files of the shared data."""
    folder = _corpus(tmp_path)
    plans = need_shared("data", "plans-dev")
    for name in REAL_FILES:
        shutil.copy(plans / name, folder / name)
    return folder


def _generation(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


def _vectors(index_dir: Path) -> np.ndarray:
    import faiss

    from indexer.store.ann import read_dense_index

    index = read_dense_index(_generation(index_dir) / DENSE_FILE)
    try:
        faiss.extract_index_ivf(index).make_direct_map()
    except RuntimeError:  # a flat index: vectors are there as they are
        pass
    return index.reconstruct_n(0, index.ntotal)


def _manifest(index_dir: Path) -> dict:
    import json

    manifest = json.loads((_generation(index_dir) / "manifest.json").read_text(encoding="utf-8"))
    return {key: manifest.get(key) for key in MANIFEST_SAME}


def _assert_same_index(one: Path, two: Path, report_one, report_two, dense: bool) -> None:
    assert [(o.source, o.status, o.reason) for o in report_one.files] == \
        [(o.source, o.status, o.reason) for o in report_two.files]
    first, second = _dump(one), _dump(two)
    assert first.keys() == second.keys() and len(first["chunks"]) > 50 and len(first["duties"]) > 0
    for name in first:
        assert first[name] == second[name], name
    assert _manifest(one) == _manifest(two)
    if dense:
        a, b = _vectors(one), _vectors(two)
        assert a.shape == b.shape and a.shape[0] == len(first["chunks"])
        assert float(np.abs(a - b).max()) <= 1e-5


# ---- without a cluster -------------------------------------------------------------------------------------------


def test_unreachable_cluster_is_said_and_leaves_the_index_alone(tmp_path: Path, corpus_copy: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus_copy], index_dir, dense=False)
    live = (index_dir / "CURRENT").read_text()
    port = free_ports(1)[0]  # nobody listens there
    with pytest.raises(ClusterUnavailable) as caught:
        build_index([corpus_copy], index_dir, dense=False, cluster=f"127.0.0.1:{port}")
    assert f"Không kết nối được cụm Ray tại 127.0.0.1:{port}" in str(caught.value)
    assert "ray start --head" in str(caught.value)
    assert (index_dir / "CURRENT").read_text() == live
    assert [p.name for p in index_dir.iterdir() if p.name.startswith("gen-")] == [live.strip()]


def test_the_cli_says_it_and_exits_2(tmp_path: Path, corpus_copy: Path, capsys: pytest.CaptureFixture) -> None:
    from search.cli import main

    port = free_ports(1)[0]
    status = main(["index", str(corpus_copy), "--index", str(tmp_path / "index"), "--no-dense",
                   "--cluster", f"127.0.0.1:{port}"])
    assert status == 2
    assert f"Không kết nối được cụm Ray tại 127.0.0.1:{port}" in capsys.readouterr().err
    assert not (tmp_path / "index" / "CURRENT").exists()


def test_missing_ray_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError, as where it is not installed
    with pytest.raises(ClusterUnavailable) as caught:
        RayCluster("127.0.0.1:1").connect()
    assert "Chưa cài Ray" in str(caught.value) and "pip install 'tracuu[cluster]'" in str(caught.value)


def test_without_a_cluster_ray_is_not_imported(tmp_path: Path, corpus_copy: Path) -> None:
    import subprocess

    code = ("import sys; from indexer.build import build_index; "
            f"build_index([{str(corpus_copy)!r}], {str(tmp_path / 'index')!r}, dense=False); "
            "print('ray' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


# ---- on a real two-node cluster ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_workers_run_this_checkout_shipped_to_them(ray_cluster, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Ray puts the driver's working directory on the workers' sys.path; from elsewhere (as on another machine)
    # only the shipped copy can give them `indexer`.
    monkeypatch.chdir(tmp_path)
    with RayCluster(ray_cluster.address, workers=1) as connected:
        assert connected.workers == 1
    with RayCluster(ray_cluster.address) as connected:
        assert connected.workers == 2  # two nodes of one CPU each
        # py_modules: the workers import the uploaded copy of indexer/, not the driver's folder nor another install
        assert connected.worker_location and not connected.worker_location.startswith(str(REPO))
        assert "runtime_resources" in connected.worker_location


@pytest.mark.slow
def test_cluster_build_equals_single_process_build(tmp_path: Path, ray_cluster, tiny_model_dir: Path) -> None:
    corpus = _mixed_corpus(tmp_path)
    one = build_index([corpus], tmp_path / "one", model=str(tiny_model_dir))
    two = build_index([corpus], tmp_path / "two", model=str(tiny_model_dir), cluster=ray_cluster.address)
    assert two.embedded_chunks == one.embedded_chunks > 50
    assert {o.status for o in one.files} >= {"indexed", "duplicate", "failed"}
    _assert_same_index(tmp_path / "one", tmp_path / "two", one, two, dense=True)
    # incremental on the cluster: one changed file is read and embedded again, the rest is kept
    changed = sorted(corpus.glob("*.docx"))[0]
    changed.write_bytes(changed.read_bytes())  # same bytes, new mtime: no work at all
    (corpus / "moi.txt").write_text("KẾ HOẠCH\nTriển khai chuyển đổi số năm 2026.\n1. Sở Nội vụ chủ trì.\n",
                                    encoding="utf-8")
    again = build_index([corpus], tmp_path / "two", model=str(tiny_model_dir), cluster=ray_cluster.address)
    statuses = {o.source: o.status for o in again.files}
    assert statuses["moi.txt"] == "indexed" and 0 < again.embedded_chunks <= 2
    assert list(statuses.values()).count("indexed") == 1


def _worker_reading_a_file(cluster, index_dir: Path) -> int | None:
    """A worker process (child of a raylet) running one of our per-file tasks: Ray titles it
    "ray::Map(_process_row)" while the task runs, "ray::IDLE" otherwise."""
    import psutil

    for proc in cluster.workers():
        try:
            parent = proc.parent()
            if "_process_row" in proc.name() and parent is not None and parent.name() == "raylet":
                return proc.pid
        except psutil.Error:
            continue
    return None


def _embedding_actor(cluster, index_dir: Path) -> int | None:
    """The process of a live embedding actor of this build (from Ray's actor table), once passages are being
    embedded (the cache has rows) and not all of them yet."""
    import ray
    from ray._private.state import actors

    if not ray.is_initialized() or _cached(index_dir) == 0:
        return None
    for info in actors().values():
        if "_Embed" in info["ActorClassName"] and info["State"] == "ALIVE" and info["Pid"]:
            return int(info["Pid"])
    return None


def _cached(index_dir: Path) -> int:
    import sqlite3

    path = index_dir / "embeddings.sqlite"
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1)
        try:
            return conn.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _build_while_killing(cluster, pick, index_dir: Path, **kwargs):
    """build_index on the cluster while a thread SIGKILLs the first process `pick` names; returns the report and
    what was killed: [(pid, passages already in the embedding cache at that moment)]."""
    killed: list = []
    stop = threading.Event()

    def killer() -> None:
        while not stop.is_set():
            try:
                pid = pick(cluster, index_dir)
            except Exception:  # noqa: BLE001 - the cluster or the driver is between states: look again
                pid = None
            if pid is not None:
                cached = _cached(index_dir)
                os.kill(pid, signal.SIGKILL)
                killed.append((pid, cached))
                return
            time.sleep(0.02)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        report = build_index(index_dir=index_dir, **kwargs, cluster=cluster.address)
    finally:
        stop.set()
        thread.join(10)
    return report, killed


@pytest.mark.slow
def test_a_killed_file_worker_is_retried_and_the_index_is_the_same(tmp_path: Path, ray_cluster) -> None:
    corpus = _mixed_corpus(tmp_path)
    one = build_index([corpus], tmp_path / "one", dense=False)
    two, killed = _build_while_killing(ray_cluster, _worker_reading_a_file, tmp_path / "two", paths=[corpus],
                                       dense=False)
    assert killed, "no worker was seen in the middle of a file"
    _assert_same_index(tmp_path / "one", tmp_path / "two", one, two, dense=False)


@pytest.mark.slow
def test_a_run_the_cluster_cannot_finish_leaves_the_live_index(tmp_path: Path, ray_cluster,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.cluster as cluster_module

    corpus = _mixed_corpus(tmp_path)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, dense=False)
    live = (index_dir / "CURRENT").read_text()
    before = _dump(index_dir)
    for path in corpus.glob("*.txt"):  # every text changed: the next build has everything to redo
        path.write_text(path.read_text(encoding="utf-8") + "\nPhụ lục bổ sung.\n", encoding="utf-8")
    monkeypatch.setattr(cluster_module, "TASK_RETRIES", 0)  # the killed task is not tried again
    with pytest.raises(ClusterUnavailable) as caught:
        _build_while_killing(ray_cluster, _worker_reading_a_file, index_dir, paths=[corpus], dense=False)
    assert "chỉ mục cũ (nếu có) được giữ nguyên" in str(caught.value)
    assert (index_dir / "CURRENT").read_text() == live
    assert [p.name for p in index_dir.iterdir() if p.name.startswith("gen-")] == [live.strip()]
    assert _dump(index_dir) == before


@pytest.mark.slow
def test_a_killed_embedding_actor_is_restarted_and_the_vectors_are_the_same(tmp_path: Path, ray_cluster,
                                                                            tiny_model_dir: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.build as build

    monkeypatch.setattr(build, "_EMBED_GROUP", 2)  # many small groups: the actors are still busy when one is hit
    corpus = _mixed_corpus(tmp_path)
    one = build_index([corpus], tmp_path / "one", model=str(tiny_model_dir))
    two, killed = _build_while_killing(ray_cluster, _embedding_actor, tmp_path / "two", paths=[corpus],
                                       model=str(tiny_model_dir))
    assert killed, "no embedding actor was seen at work"
    assert killed[0][1] < one.embedded_chunks  # it died with passages still to embed
    _assert_same_index(tmp_path / "one", tmp_path / "two", one, two, dense=True)


@pytest.mark.slow
def test_bundled_model_on_the_cluster_gives_the_same_vectors(tmp_path: Path, ray_cluster,
                                                             bundled_model_dir: Path) -> None:
    corpus = _mixed_corpus(tmp_path)
    one = build_index([corpus], tmp_path / "one", model=str(bundled_model_dir))
    two = build_index([corpus], tmp_path / "two", model=str(bundled_model_dir), cluster=ray_cluster.address)
    assert one.model == two.model and "onnx-int8" in one.model
    _assert_same_index(tmp_path / "one", tmp_path / "two", one, two, dense=True)


@pytest.mark.slow
def test_auto_finds_the_cluster_named_by_ray_address(tmp_path: Path, ray_cluster, corpus_copy: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_ADDRESS", ray_cluster.address)
    report = build_index([corpus_copy], tmp_path / "index", dense=False, cluster="auto")
    assert report.documents == len(list(corpus_copy.glob("*.txt")))
