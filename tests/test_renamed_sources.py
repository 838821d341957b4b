"""A file whose content is already in the index is never read again because its source name changed: `index B
--add` beside A (A's files go from "x.txt" to "A/x.txt"), moves and renames keep their stored documents."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import indexer.build as build
from indexer.build import build_index
from indexer.store.reader import IndexReader
from search.access import Identity, changes

from fake_embedder import FakeEmbedder


def _reading(monkeypatch) -> list[str]:
    """Sources the build hands to the readers (appended as each build runs)."""
    read: list[str] = []
    real = build.process_files

    def counting(files, *args, **kwargs):
        files = list(files)
        read.extend(f.source for f in files)
        return real(files, *args, **kwargs)

    monkeypatch.setattr(build, "process_files", counting)
    return read


def _sources(index_dir: Path) -> set[str]:
    reader = IndexReader.open(index_dir, embedder=FakeEmbedder())
    try:
        return {d.source for d in reader.documents()}
    finally:
        reader.close()


def _two_folders(tmp_path: Path, corpus_dir: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "A", tmp_path / "B"
    shutil.copytree(corpus_dir, a)
    b.mkdir()
    (b / "moi.txt").write_text("Kế hoạch số 9/KH-UBND.\nSở Y tế báo cáo hàng tháng về tiêm chủng.\n", encoding="utf-8")
    return a, b


def test_add_a_folder_reads_only_its_files_and_keeps_the_others(tmp_path: Path, corpus_dir: Path, monkeypatch):
    a, b = _two_folders(tmp_path, corpus_dir)
    index_dir = tmp_path / "index"
    first = build_index([a], index_dir, dense=False)
    a_sources = {f.source for f in first.files}
    assert {f.status for f in first.files} == {"indexed"} and len(a_sources) == first.documents >= 3
    read = _reading(monkeypatch)

    added = build_index([b], index_dir, dense=False, add=True)
    assert read == ["B/moi.txt"]  # only the new file is read
    assert {f.source: f.status for f in added.files} == {"B/moi.txt": "indexed",
                                                         **{f"A/{s}": "renamed" for s in a_sources}}
    assert added.documents == first.documents + 1
    assert _sources(index_dir) == {f"A/{s}" for s in a_sources} | {"B/moi.txt"}
    old_sha = {f.source: f.sha256 for f in first.files}
    assert all(len(old_sha[f.source]) == 64 for f in first.files)
    assert all(f.sha256 == old_sha[f.source[2:]] and f.reason == f"trước đây: {f.source[2:]}"
               for f in added.files if f.status == "renamed")

    # and back: A alone again names them "x.txt" without reading anything; B's document leaves
    read.clear()
    back = build_index([a], index_dir, dense=False)
    assert read == []
    assert {f.source: f.status for f in back.files} == {"B/moi.txt": "removed", **{s: "renamed" for s in a_sources}}
    assert back.documents == first.documents and _sources(index_dir) == a_sources


def test_moved_and_duplicated_files_keep_their_documents(tmp_path: Path, monkeypatch):
    """A moved duplicate is renamed; a changed file is read; a new file with a still-present file's old content
    is read (only files no longer found lend their documents)."""
    corpus = tmp_path / "kho"
    corpus.mkdir()
    text = "Kế hoạch số 3/KH-UBND.\nSở Tài chính báo cáo hằng quý về ngân sách.\n"
    (corpus / "mot.txt").write_text(text, encoding="utf-8")
    (corpus / "ban-sao.txt").write_text(text, encoding="utf-8")
    (corpus / "khac.txt").write_text("Kế hoạch số 4/KH-UBND.\nSở Y tế báo cáo hàng tháng.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, dense=False)
    read = _reading(monkeypatch)
    (corpus / "con").mkdir()
    (corpus / "mot.txt").rename(corpus / "con" / "mot-moi.txt")  # a duplicate of ban-sao.txt moves
    (corpus / "khac.txt").write_text("Kế hoạch số 4/KH-UBND.\nSở Y tế báo cáo hàng tuần.\n", encoding="utf-8")
    (corpus / "them.txt").write_text("Kế hoạch số 4/KH-UBND.\nSở Y tế báo cáo hàng tháng.\n", encoding="utf-8")

    report = build_index([corpus], index_dir, dense=False)
    statuses = {f.source: f.status for f in report.files}
    assert statuses == {"con/mot-moi.txt": "renamed", "ban-sao.txt": "unchanged", "khac.txt": "updated",
                        "them.txt": "indexed"}
    # the old content of khac.txt is new under them.txt: read (its old name is still here, so nothing moved)
    assert sorted(read) == ["khac.txt", "them.txt"]
    moved = next(f for f in report.files if f.source == "con/mot-moi.txt")
    assert moved.reason == "trước đây: mot.txt"
    assert report.documents == 3 and _sources(index_dir) == {"ban-sao.txt", "khac.txt", "them.txt"}


def test_audit_entries_carry_the_sha256_of_added_renamed_and_removed_files(tmp_path: Path, corpus_dir: Path):
    a, b = _two_folders(tmp_path, corpus_dir)
    index_dir = tmp_path / "index"
    build_index([a], index_dir, dense=False)
    who = Identity("nv", "editor", "os")
    added = build_index([b], index_dir, dense=False, add=True)
    changes.record_build(who, "local", "index", index_dir, [b], added)  # what `tracuu index B --add` passes
    replaced = build_index([b], index_dir, dense=False)
    changes.record_build(who, "local", "index", index_dir, [b], replaced)
    entries = [json.loads(line) for path in sorted(index_dir.rglob("*.jsonl")) for line in path.read_text().splitlines()]
    per_file = [e for e in entries if e.get("file")]
    assert per_file and all(e["sha256"] and len(e["sha256"]) == 64 for e in per_file)
    details = [e["detail"] for e in per_file]
    assert any("đổi tên" in d for d in details) and any("gỡ" in d for d in details)
