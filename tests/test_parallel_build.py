"""A build that reads files on several cores writes the same index as one that reads them one after the other."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import indexer.parallel as parallel
from indexer.build import build_index
from indexer.model import FileOutcome
from indexer.read.scan import discover

REPO = Path(__file__).resolve().parents[1]
TABLES = {"documents": "doc_id", "chunks": '"row"', "duties": "rowid", "sections": "rowid", "files": "source"}


def _corpus(tmp_path: Path) -> Path:
    """The sample plans, a Word export, a broken PDF and an empty file, each also under a second name (duplicates),
    so that reading order, failures and duplicate detection all matter."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in sorted((REPO / "corpus").glob("*.txt")):
        shutil.copy(path, folder / path.name)
        text = path.read_text(encoding="utf-8")
        (folder / f"z-{path.stem}-cut.txt").write_text(text[: len(text) // 2], encoding="utf-8")
    shutil.copy(REPO / "tests/data/readers/word-export.htm", folder / "word-export.htm")
    (folder / "hong.pdf").write_bytes(b"%PDF-1.4 not really")
    (folder / "rong.txt").write_text("", encoding="utf-8")
    shutil.copy(REPO / "corpus" / sorted(p.name for p in (REPO / "corpus").glob("*.txt"))[0], folder / "ban-sao.txt")
    return folder


def _dump(index_dir: Path) -> dict:
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    conn = sqlite3.connect(generation / "tracuu.sqlite")
    out = {}
    for table, order in TABLES.items():
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in ("mtime_ns", "indexed_at")]
        out[table] = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").fetchall()
    conn.close()
    for path in sorted((generation / "lexical").rglob("*.npy")):
        out[str(path.relative_to(generation))] = np.load(path).tobytes()
    return out


def test_parallel_build_equals_sequential_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _corpus(tmp_path)
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    monkeypatch.setenv(parallel.JOBS_ENV, "1")
    one = build_index([corpus], tmp_path / "one", dense=False)
    monkeypatch.setenv(parallel.JOBS_ENV, "2")
    two = build_index([corpus], tmp_path / "two", dense=False)
    assert [(o.source, o.status, o.reason) for o in one.files] == [(o.source, o.status, o.reason) for o in two.files]
    assert {o.status for o in one.files} >= {"duplicate", "failed"}
    first, second = _dump(tmp_path / "one"), _dump(tmp_path / "two")
    assert first.keys() == second.keys() and len(first["chunks"]) > 50 and len(first["duties"]) > 0
    for name in first:
        assert first[name] == second[name], name


def test_process_files_keeps_order_and_reports_failures(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    found, _ = discover([corpus])
    sequential = list(parallel.process_files(found, None, jobs=1))
    monkeypatched = parallel.MIN_FILES
    try:
        parallel.MIN_FILES = 1
        concurrent = list(parallel.process_files(found, None, jobs=2))
    finally:
        parallel.MIN_FILES = monkeypatched
    assert [type(r).__name__ for r in sequential] == [type(r).__name__ for r in concurrent]
    for a, b in zip(sequential, concurrent):
        if isinstance(a, FileOutcome):
            assert (a.source, a.status, a.reason) == (b.source, b.status, b.reason)
        else:
            assert (a.source, a.doc_id, a.text, a.chunks, a.duties) == (b.source, b.doc_id, b.text, b.chunks, b.duties)


def test_jobs_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_ENV, "3")
    assert parallel.default_jobs() == 3
    monkeypatch.setenv(parallel.JOBS_ENV, "0")
    assert parallel.default_jobs() == 1
    monkeypatch.setenv(parallel.JOBS_ENV, "nhiều")
    assert 1 <= parallel.default_jobs() <= 8
