"""Every derived unit the index stores is bounded in length, whatever the input (issue 14, fault 1).

Hostile texts — 1 MB of words with no sentence punctuation, headings that are whole texts, a header block without
line breaks, thousands of references on one line — are indexed, then every text column of every SQLite table is
scanned against its bound. Before the bounds a 1 MB run of words gave a 408–557 MB index (the duties table stored
the whole run once per duty found in it).
"""
from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.duties.extract import MAX_SENTENCE_CHARS, sentence_spans
from indexer.pipeline import OUTPUT_FACTOR, OUTPUT_SLACK
from indexer.store.generations import current_generation
from indexer.store.reader import DB_FILE
from indexer.store.writer import MAX_FIELD_CHARS
from indexer.structure.chunking import MAX_HEADING_CHARS, ChunkingParams
from indexer.structure.context import MAX_CONTEXT_CHARS

WORDS = ("báo cáo kế hoạch ủy ban nhân dân tỉnh sở tài chính giao nhiệm vụ thực hiện hàng tháng gửi về trước ngày "
         "quý năm tổ chức triển khai các cơ quan đơn vị phối hợp").split()
MAX_DEPTH = 8  # outline levels a heading trail can have


def word_run(rng: random.Random, n_bytes: int) -> str:
    """Random Vietnamese words separated only by spaces, about n_bytes of UTF-8."""
    out, size = [], 0
    while size < n_bytes:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word.encode("utf-8")) + 1
    return " ".join(out)


def write_hostile(folder: Path, blocker_bytes: int = 1 << 20) -> dict[str, int]:
    """The hostile texts; returns source → size in bytes."""
    rng = random.Random(14)
    run = lambda n: word_run(rng, n)  # noqa: E731
    texts = {
        "blocker.txt": run(blocker_bytes),
        "heading_run.txt": "I. " + run(150_000) + "\n1. " + run(150_000) + "\na) " + run(80_000) + "\n",
        "header_run.txt": ("ỦY BAN NHÂN DÂN TỈNH " + run(100_000) + "\nSố: 12/KH-UBND " + run(50_000) + "\nKẾ HOẠCH\n"
                           + run(100_000) + "\nNơi nhận: " + ", ".join(run(12) for _ in range(3000)) + "\n"),
        "deep.txt": "\n".join(f"{'I' * (i % 3 + 1)}. {run(800)}" for i in range(200))
                    + "\n" + "\n".join(f"{i}.{i}.{i}. {run(200)}" for i in range(300)),
        "refs.txt": " ".join(f"Quyết định số {i}/QĐ-UBND ngày 1/1/2020 của {run(30)}" for i in range(3000)),
    }
    sizes = {}
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        sizes[name] = (folder / name).stat().st_size
    return sizes


def column_lengths(db: Path) -> dict[tuple[str, str], int]:
    """(table, column) → longest stored value in characters, over every table of the database."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for table in tables:
            for column in [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]:
                longest = conn.execute(f'SELECT MAX(LENGTH("{column}")) FROM "{table}"').fetchone()[0]
                found[(table, column)] = int(longest or 0)
        return found
    finally:
        conn.close()


# The bound of each stored unit; a column not listed must stay under SHORT (ids, numbers, names of formats).
SHORT = 200
BOUNDS = {
    ("chunks", "text"): ChunkingParams().max_chars,
    ("chunks", "context"): MAX_CONTEXT_CHARS,
    ("chunks", "heading"): MAX_DEPTH * (MAX_HEADING_CHARS + 3),
    ("chunks", "headings"): MAX_DEPTH * (MAX_HEADING_CHARS + 8),
    ("duties", "sentence"): MAX_SENTENCE_CHARS,
    ("duties", "object"): MAX_SENTENCE_CHARS,
    ("duties", "recipient"): MAX_SENTENCE_CHARS,
    ("duties", "intermediary"): MAX_SENTENCE_CHARS,
    ("duties", "actor"): MAX_FIELD_CHARS,
    ("duties", "deadline"): MAX_SENTENCE_CHARS,
    ("sections", "heading"): MAX_FIELD_CHARS,
    ("doc_references", "reference"): MAX_FIELD_CHARS,
    ("documents", "title"): MAX_FIELD_CHARS,
    ("documents", "issuer"): MAX_FIELD_CHARS,
    ("documents", "doc_number"): MAX_FIELD_CHARS,
    ("documents", "place"): MAX_FIELD_CHARS,
    ("files", "reason"): 1000,
    ("files", "source"): 1000,
}
# Lists of metadata and the text itself grow with the document (linearly: each item is clipped), not per unit.
PER_DOCUMENT = {("documents", c) for c in ("text", "recipients", "refs", "issuers", "signers", "signatures", "pages")}


def test_sentences_are_cut_at_a_space_within_the_bound():
    text = " ".join(["nhiệm vụ báo cáo"] * 2000)
    spans = sentence_spans(text)
    assert len(spans) > 1 and all(e - s <= MAX_SENTENCE_CHARS for s, e in spans)
    assert all(text[s - 1] == " " for s, _ in spans[1:])  # never inside a word
    assert "".join(text[s:e] + " " for s, e in spans).split() == text.split()  # nothing lost


def test_no_stored_text_exceeds_its_bound(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sizes = write_hostile(corpus)
    report = build_index([corpus], tmp_path / "index", dense=False)
    statuses = {o.source: o.status for o in report.files}
    assert statuses == {name: "indexed" for name in sizes}, report.files
    gen = current_generation(tmp_path / "index")
    lengths = column_lengths(gen / DB_FILE)
    over = {key: (n, BOUNDS.get(key, SHORT)) for key, n in lengths.items()
            if key not in PER_DOCUMENT and n > BOUNDS.get(key, SHORT)}
    assert not over, over
    conn = sqlite3.connect(gen / DB_FILE)
    for text_len, *lists in conn.execute("SELECT LENGTH(text), recipients, refs, issuers, signers, signatures "
                                         "FROM documents"):
        for value in lists:
            assert len(value) <= 2 * text_len + 1000
            assert all(len(json.dumps(item, ensure_ascii=False)) <= 2 * MAX_FIELD_CHARS + 200
                       for item in json.loads(value))
    conn.close()
    index_bytes = sum(p.stat().st_size for p in (tmp_path / "index").rglob("*") if p.is_file())
    corpus_bytes = sum(sizes.values())
    print(f"\ncorpus {corpus_bytes / 1e6:.2f} MB → index {index_bytes / 1e6:.2f} MB")
    assert index_bytes < 15 * corpus_bytes + 5_000_000


def test_a_document_whose_derived_text_explodes_is_refused(tmp_path: Path, monkeypatch):
    """The per-document guard behind the unit bounds: a stage that multiplies text is refused, not stored."""
    import indexer.pipeline as pipeline
    from indexer.model import Duty

    real = pipeline.extract_duties

    def exploding(doc_id, norm, structure):
        duties = real(doc_id, norm, structure)
        if len(norm.text) < 10_000:
            return duties
        return duties + [Duty(doc_id=doc_id, section="", sentence=norm.text, start=0, end=len(norm.text),
                              actor=None, action="báo cáo", object=None, recipient=None, intermediary=None,
                              frequency=None, deadline=None, deadline_date=None, deadline_recurrence=None, page=None)
                         ] * (OUTPUT_FACTOR + OUTPUT_SLACK // len(norm.text) + 2)

    monkeypatch.setattr(pipeline, "extract_duties", exploding)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("Kế hoạch.\nSở Tài chính báo cáo hàng tháng.\n", encoding="utf-8")
    (corpus / "big.txt").write_text(word_run(random.Random(1), OUTPUT_SLACK // 10), encoding="utf-8")
    report = build_index([corpus], tmp_path / "index", dense=False)
    outcomes = {o.source: o for o in report.files}
    assert outcomes["big.txt"].status == "failed" and "phình" in outcomes["big.txt"].reason
    assert outcomes["ok.txt"].status == "indexed"


# ---- the per-file budget: time, memory, a crashing parser ------------------------------------------------------

def _sleep(seconds: float) -> str:
    import time

    time.sleep(seconds)
    return "xong"


def _allocate(n_bytes: int) -> int:
    return len(bytearray(n_bytes))


def _crash() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)


def test_run_budgeted_returns_raises_and_enforces_limits():
    from indexer.errors import ReadError
    from indexer.read.external import BudgetExceeded, run_budgeted

    assert run_budgeted(_sleep, (0.01,), 5, 256 << 20) == "xong"
    with pytest.raises(BudgetExceeded, match="quá 0.3 giây"):
        run_budgeted(_sleep, (10,), 0.3, None)
    with pytest.raises(BudgetExceeded, match="bộ nhớ"):
        run_budgeted(_allocate, (1 << 30,), 30, 64 << 20)
    assert run_budgeted(_allocate, (1 << 20,), 30, 64 << 20) == 1 << 20
    with pytest.raises(BudgetExceeded, match="SIGSEGV"):
        run_budgeted(_crash, (), 30, None)
    with pytest.raises(ReadError, match="hỏng"):
        run_budgeted(_raise_read_error, (), 30, None)


def _raise_read_error() -> None:
    from indexer.errors import ReadError

    raise ReadError("tệp hỏng")


def test_a_file_over_its_time_budget_fails_and_the_others_are_indexed(tmp_path: Path, monkeypatch):
    import time

    import indexer.pipeline as pipeline
    from indexer.settings import Settings

    real = pipeline.process_file

    def slow_on_one(path, *args, **kwargs):
        if Path(path).name == "cham.txt":
            time.sleep(30)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "process_file", slow_on_one)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "cham.txt").write_text("Kế hoạch chậm.\nSở Y tế báo cáo hàng quý.\n", encoding="utf-8")
    (corpus / "nhanh.txt").write_text("Kế hoạch nhanh.\nSở Tài chính báo cáo hàng tháng.\n", encoding="utf-8")
    settings = Settings.from_env({"TRACUU_FILE_SECONDS": "1"})
    started = time.monotonic()
    report = build_index([corpus], tmp_path / "index", dense=False, settings=settings)
    assert time.monotonic() - started < 20
    outcomes = {o.source: o for o in report.files}
    assert outcomes["cham.txt"].status == "failed" and "TRACUU_FILE_SECONDS" in outcomes["cham.txt"].reason
    assert outcomes["nhanh.txt"].status == "indexed"
