"""Stored token positions: proximity and highlights from them equal the text-scanning versions, hit for hit."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from indexer.model import indexed_text
from indexer.store.lexical import LEXICAL_DIR, LexicalIndex, exact_key
from indexer.store.lexical_positions import (INDPTR_FILE, SURFACES_FILE, STARTS_FILE, TOKENS_FILE,
                                             PassagePositions, add_to_index, passage_texts)
from search.query.parse import QueryUnderstanding
from search.retrieve import proximity
from search.retrieve.positional import highlight_rows, window_masses
from search.retrieve.searcher import Searcher, highlight_spans

REPO = Path(__file__).resolve().parents[1]
# Edge cases of the class: leading space before the first token (must not join a previous row), bigrams across
# "/" "-" "." and broken by commas or line breaks, a word repeated far apart, unaccented and upper-case forms.
EDGE_PASSAGES = [
    " báo cáo kết quả định kỳ hàng quý về Sở Nội vụ",
    "Kế hoạch 80/KH-UBND ngày 10/5/2023, báo cáo\nkết quả; hàng, quý",
    "BÁO CÁO " + "kết quả " * 20 + "hàng quý",
    "bao cao ket qua hang quy ve so noi vu",
    "",
    "...",
    "Hòa Phát, hoà phát – khu liên hợp sản xuất gang thép.",
    # exact keys collide across spellings: "dùng" and a literal "dung2" are both dung2 (found on vbpl texts, where
    # deriving the loose key from the exact one lost the highlight and the proximity of "dùng")
    "phương tiện chuyên dùng đường sắt, quản lý sử dụng đường ngang; mã dung2 trong bảng",
]
QUERIES = [
    "định kỳ hàng quý báo cáo kết quả",
    "bao cao ket qua hang quy",
    "80/KH-UBND",
    "khu liên hợp gang thép Hòa Phát",
    "Sở Nội vụ",
    "kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ?",
    "which plans require quarterly reporting",
    "chuyên dùng đường",
    "quan ly su dung duong",
]


def _corpus_passages() -> list[str]:
    passages = []
    for path in sorted((REPO / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        passages += [p for p in text.split("\n\n") if p.strip()][:40]
    return passages


@pytest.fixture(scope="module")
def indexed() -> tuple[LexicalIndex, list[str]]:
    passages = EDGE_PASSAGES + _corpus_passages()
    # The index reads context + passage, positions hold the passage only (as in a real build).
    lexical = LexicalIndex.build([indexed_text("Kế hoạch 80/KH-UBND · tỉnh Quảng Ngãi", p) for p in passages])
    lexical.positions = PassagePositions.build(lexical, passages)
    return lexical, passages


def test_positions_cover_every_passage_token(indexed) -> None:
    lexical, passages = indexed
    positions = lexical.positions
    assert positions.n_rows == len(passages)
    surface, joined, offsets = positions.gather(np.arange(len(passages)))
    exact = positions.surfaces[surface, 0]
    assert (positions.surfaces[surface] >= 0).all()  # every passage token's keys are in the vocabulary
    # the first token of every row never joins, even after a leading space
    assert not joined[offsets[:-1][np.diff(offsets) > 0]].any()
    first = exact[offsets[0]:offsets[1]]
    assert [lexical.vocab["exact"][i] for i in first[:2]] == [exact_key("báo"), exact_key("cáo")]


@pytest.mark.parametrize("query", QUERIES)
def test_window_masses_equal_text_scan(indexed, query: str) -> None:
    lexical, passages = indexed
    parsed = QueryUnderstanding().parse(query)
    values = proximity.concept_values(parsed, lexical)
    rows = np.arange(len(passages))
    stored = window_masses(values, lexical, rows)
    scanned = np.asarray([proximity.best_window(p, values) for p in passages])
    np.testing.assert_allclose(stored, scanned, rtol=1e-12, atol=0)
    assert scanned.any() or query.startswith("which")


@pytest.mark.parametrize("query", QUERIES)
def test_highlights_equal_text_scan(indexed, query: str) -> None:
    lexical, passages = indexed
    parsed = QueryUnderstanding().parse(query)
    rows = np.arange(len(passages))[::-1]  # any row order
    stored = highlight_rows(lexical, parsed.highlight_terms, rows, [passages[r] for r in rows])
    assert stored == [highlight_spans(passages[r], parsed) for r in rows]


def test_rerank_from_positions_equals_rerank_from_texts(indexed) -> None:
    lexical, passages = indexed
    parsed = QueryUnderstanding().parse("báo cáo kết quả hàng quý")
    rows, scores = lexical.search(parsed.lexical, 20)
    by_text = proximity.rerank(parsed, lexical, rows, scores, [passages[r] for r in rows])
    by_positions = proximity.rerank(parsed, lexical, rows, scores, None)
    assert by_text[0].tolist() == by_positions[0].tolist()
    np.testing.assert_allclose(by_text[1], by_positions[1], rtol=1e-6)
    # proximity matters here: the passage with the words together beats the one with them 20 words apart
    order = by_positions[0].tolist()
    assert order.index(0) < order.index(2)


def test_built_index_has_positions_and_searches_as_without(lexical_index_dir: Path) -> None:
    searcher = Searcher.open(lexical_index_dir)
    assert searcher.lexical.positions is not None
    plain = Searcher.open(lexical_index_dir)
    plain.lexical.positions = None  # the text-scanning path of indexes built before positions
    for query in QUERIES:
        fast = searcher.search(query, k=10, mode="lexical")
        slow = plain.search(query, k=10, mode="lexical")
        assert [(h.doc_id, h.text, h.highlights) for h in fast] == [(h.doc_id, h.text, h.highlights) for h in slow]
        assert [h.score for h in fast] == pytest.approx([h.score for h in slow], rel=1e-5)


def test_old_index_without_positions_loads_and_gets_them_added(lexical_index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(lexical_index_dir, copy)
    generation = copy / (copy / "CURRENT").read_text().strip()
    for name in (INDPTR_FILE, TOKENS_FILE, STARTS_FILE, SURFACES_FILE):
        (generation / LEXICAL_DIR / name).unlink()
    manifest_path = generation / "manifest.json"  # an index that old also predates the manifest's file records
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest.pop("files", None)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert Searcher.open(copy).lexical.positions is None
    added = add_to_index(copy)
    loaded = Searcher.open(copy).lexical.positions
    assert loaded is not None and loaded.n_rows == added.n_rows
    conn = sqlite3.connect(generation / "tracuu.sqlite")
    texts = list(passage_texts(conn))
    conn.close()
    assert np.array_equal(PassagePositions.build(LexicalIndex.load(generation / LEXICAL_DIR), texts).tokens,
                          np.asarray(loaded.tokens))


def test_positions_of_another_size_are_ignored(tmp_path: Path) -> None:
    positions = PassagePositions.build(LexicalIndex.build(["một hai"]), ["một hai"])
    positions.save(tmp_path)
    assert PassagePositions.load(tmp_path, n_rows=1) is not None
    assert PassagePositions.load(tmp_path, n_rows=2) is None


# ---- the compiled kernel (search.retrieve.kernels): the same values as the numpy code, exactly ----------------------

def _span_queries(passages: list[str], n: int, seed: int) -> list[str]:
    """Random 2–8 word spans of the passages, a third without diacritics (as bench.queries draws them)."""
    import random
    import re

    from bench.queries import strip_diacritics

    rng, out = random.Random(seed), []
    while len(out) < n:
        words = re.findall(r"\w+", rng.choice(passages))
        if len(words) < 2:
            continue
        size = rng.randint(2, min(8, len(words)))
        start = rng.randrange(len(words) - size + 1)
        span = " ".join(words[start:start + size])
        out.append(strip_diacritics(span).lower() if rng.random() < 0.33 else span)
    return out


@pytest.fixture(scope="module")
def compiled():
    pytest.importorskip("numba")
    from search.retrieve import kernels

    if not kernels.AVAILABLE:
        pytest.skip("compiled kernels disabled (TRACUU_NUMBA=0)")
    assert kernels.warm_up() and kernels.ready()
    return kernels


def test_compiled_window_masses_equal_numpy(indexed, compiled) -> None:
    lexical, passages = indexed
    queries = QUERIES + _span_queries(passages, 60, seed=1)
    rows = np.arange(len(passages))
    rng = np.random.default_rng(0)
    for query in queries:
        parsed = QueryUnderstanding().parse(query)
        values = proximity.concept_values(parsed, lexical)
        for window in (1, 2, 12, 40):
            for order in (rows, rng.permutation(rows)[:25]):  # all rows, and a few in any order
                fast = window_masses(values, lexical, order, window=window)
                slow = window_masses(values, lexical, order, window=window, compiled=False)
                np.testing.assert_array_equal(fast, slow, err_msg=f"{query!r} window {window}")


def test_compiled_highlights_equal_numpy_and_text_scan(indexed, compiled) -> None:
    lexical, passages = indexed
    rng = np.random.default_rng(1)
    for query in QUERIES + _span_queries(passages, 60, seed=3):
        parsed = QueryUnderstanding().parse(query)
        for rows in (np.arange(len(passages)), rng.permutation(len(passages))[:12]):
            texts = [passages[r] for r in rows]
            fast = highlight_rows(lexical, parsed.highlight_terms, rows, texts)
            assert fast == highlight_rows(lexical, parsed.highlight_terms, rows, texts, compiled=False), query
            assert fast == [highlight_spans(t, parsed) for t in texts], query


def test_compiled_kernel_past_its_first_capacity(compiled) -> None:
    # > 256 events in one row and several concepts at each token: the kernel's event arrays have to grow
    passages = ["báo cáo kết quả " * 300 + "hàng quý", "kết quả báo cáo " * 90, "không liên quan"]
    lexical = LexicalIndex.build(passages)
    lexical.positions = PassagePositions.build(lexical, passages)
    parsed = QueryUnderstanding().parse("báo cáo kết quả hàng quý")
    values = proximity.concept_values(parsed, lexical)
    rows = np.array([2, 0, 1, 0])
    fast = window_masses(values, lexical, rows)
    np.testing.assert_array_equal(fast, window_masses(values, lexical, rows, compiled=False))
    assert fast[0] == 0 and fast[1] > fast[2] > 0


def test_key_filter_has_every_key(compiled) -> None:
    rng = np.random.default_rng(3)
    keys = np.sort(np.concatenate([rng.integers(0, 2**31, 500), (rng.integers(0, 2**31, 500) << 31)
                                   | rng.integers(0, 2**31, 500)]))
    bounds = np.array([0, 400, 1000])
    table = compiled.key_filter(keys, bounds)
    for g in range(2):
        assert table[g, compiled.key_hash(keys[bounds[g]:bounds[g + 1]])].all()
    assert table.sum(axis=1).max() < compiled.FILTER_BITS  # a filter, not all ones


def test_searcher_results_same_before_and_after_the_kernels_are_ready(lexical_index_dir: Path, compiled,
                                                                     monkeypatch) -> None:
    searcher = Searcher.open(lexical_index_dir)
    queries = QUERIES + _span_queries([c.text for c in searcher.reader.chunk_rows(list(range(40)))], 20, seed=2)
    with_kernel = [searcher.search(q, k=10, mode="lexical") for q in queries]
    monkeypatch.setattr(compiled, "ready", lambda: False)
    plain = Searcher.open(lexical_index_dir)
    without = [plain.search(q, k=10, mode="lexical") for q in queries]
    assert with_kernel == without


def test_without_numba_the_searcher_returns_the_same_hits(lexical_index_dir: Path, compiled) -> None:
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from indexer.store.scoring import compiled\n"
        "from search.retrieve.searcher import Searcher\n"
        "assert not compiled.AVAILABLE and not compiled.warm_up() and not compiled.ready()\n"
        "s = Searcher.open(sys.argv[1])\n"
        "print(json.dumps([[(h.doc_id, h.score, h.highlights) for h in s.search(q, k=10, mode='lexical')]\n"
        "                  for q in json.loads(sys.argv[2])]))\n")
    env = {**__import__("os").environ, "TRACUU_NUMBA": "0", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script, str(lexical_index_dir), json.dumps(QUERIES)], env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    searcher = Searcher.open(lexical_index_dir)
    here = [[[h.doc_id, h.score, h.highlights] for h in searcher.search(q, k=10, mode="lexical")] for q in QUERIES]
    assert json.loads(done.stdout) == here


def test_a_second_searcher_does_not_wait_for_the_compiler(lexical_index_dir: Path, monkeypatch) -> None:
    import time

    from indexer.store.scoring import compiled as machinery

    started = []
    monkeypatch.setattr(machinery, "_background", [])
    monkeypatch.setattr(machinery, "_quiet_warm_up", lambda: (started.append(1), time.sleep(0.5)))
    import threading

    held, release = threading.Event(), threading.Event()

    def compiling() -> None:  # another thread holds the compiler's lock, as a warm-up does for seconds
        with machinery._lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=compiling)
    holder.start()
    held.wait(10)
    try:
        begin = time.perf_counter()
        Searcher.open(lexical_index_dir)
        Searcher.open(lexical_index_dir)
        assert time.perf_counter() - begin < 5
    finally:
        release.set()
        holder.join()
    for thread in machinery._background:
        thread.join()
    assert started == [1] or not machinery.AVAILABLE  # one warm-up thread per process
