"""Lexical side by side: our LexicalIndex, bm25s and rank_bm25 on the same passages and queries."""
from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from bench.measure import dir_size, latency_summary, rss_mb
from bench.queries import BenchQuery

K = 10
RANK_BM25_MAX = 100_000  # rank_bm25 scores every passage in Python per query: beyond this, sample and extrapolate
_PEER_TOKEN = re.compile(r"[^\W_]+")


def peer_tokens(text: str) -> list[str]:
    """The tokens given to bm25s and rank_bm25: case-folded syllables (the same split as our exact layer)."""
    return _PEER_TOKEN.findall(text.casefold())


@dataclass
class EngineResult:
    """One engine's row of the lexical table."""

    engine: str
    passages: int
    build_s: float
    build_passages_per_s: float
    p50_ms: float
    p95_ms: float
    mean_ms: float
    qps: float
    top10_overlap: float | None = None  # vs the reference ranking, ties at the 10th score counted as matches
    top10_overlap_by_kind: dict[str, float] = field(default_factory=dict)
    index_mb: float | None = None
    rss_delta_mb: float | None = None
    batch_qps: float | None = None
    extrapolated: bool = False
    note: str = ""


def _time_queries(search: Callable[[object], object], prepared: Sequence[object], warmup: int = 5) -> tuple[list[float], list]:
    for q in prepared[:warmup]:
        search(q)
    latencies, results = [], []
    for q in prepared:
        start = time.perf_counter()
        rows = search(q)
        latencies.append(time.perf_counter() - start)
        results.append(rows)
    return latencies, results


def overlap_at_k(found: Sequence[Sequence[int]], ref_scores: Sequence[np.ndarray], k: int = K) -> list[float | None]:
    """Per query: share of the reference top-k that `found` returns; a row tied with the k-th reference score counts.

    None for queries where the reference finds nothing.
    """
    out: list[float | None] = []
    for rows, scores in zip(found, ref_scores):
        positive = int((scores > 0).sum())
        if positive == 0:
            out.append(None)
            continue
        want = min(k, positive)
        kth = np.partition(scores, -want)[-want]
        # float32 engines round differently from rank_bm25's float64: equal within 1e-5 counts as tied
        floor = kth - 1e-5 * abs(kth)
        hits = sum(1 for r in list(rows)[:k] if scores[r] >= floor and scores[r] > 0)
        out.append(min(hits, want) / want)
    return out


def _mean_by_kind(values: Sequence[float | None], queries: Sequence[BenchQuery]) -> tuple[float | None, dict[str, float]]:
    kinds: dict[str, list[float]] = {}
    for v, q in zip(values, queries):
        if v is not None:
            kinds.setdefault(q.kind, []).append(v)
    every = [v for vs in kinds.values() for v in vs]
    overall = float(np.mean(every)) if every else None
    return overall, {kind: float(np.mean(vs)) for kind, vs in sorted(kinds.items())}


def _result(engine: str, n: int, build_s: float, latencies: list[float], **extra: object) -> EngineResult:
    summary = latency_summary(latencies)
    return EngineResult(engine=engine, passages=n, build_s=round(build_s, 3),
                        build_passages_per_s=round(n / build_s, 1) if build_s > 0 else 0.0,
                        p50_ms=summary["p50_ms"], p95_ms=summary["p95_ms"], mean_ms=summary["mean_ms"],
                        qps=summary["qps"], **extra)


def unigram_params():
    """Our engine configured as plain unigram BM25 with rank_bm25's k1/b: the implementation correctness check."""
    from indexer.store.lexical import LexicalParams

    return LexicalParams(k1=1.5, b=0.75, unigram_layers=("exact",), bigram_layers=(), compounds=False)


def unigram_query(text: str):
    from indexer.store.lexical import LexicalQuery, QueryTerm, analyze

    counts: dict[str, int] = {}
    for token in analyze(text, compounds=False):
        counts[token.exact] = counts.get(token.exact, 0) + 1
    return LexicalQuery(tuple(QueryTerm("exact", (key,), float(n)) for key, n in counts.items()))


_UNDERSTANDING = None


def product_query(text: str):
    """The lexical part of the shipped query understanding (accent handling, abbreviations, bigrams, stopwords)."""
    global _UNDERSTANDING
    from search.query.parse import QueryUnderstanding

    if _UNDERSTANDING is None:
        _UNDERSTANDING = QueryUnderstanding()
    return _UNDERSTANDING.parse(text).lexical


def run_ours(passages: Sequence[str], queries: Sequence[BenchQuery], config: str) -> list[tuple[EngineResult, list[list[int]]]]:
    """Our LexicalIndex: "product" = the shipped parameters and query understanding, "unigram" = plain BM25.

    Each index is searched twice: LexicalIndex.search as shipped, and bench.lexical_fast.FastSearch (same
    results, compiled scatter + one-pass top-k) as the candidate fast path.
    """
    from bench.lexical_fast import FastSearch
    from indexer.store.lexical import LexicalIndex

    params = _params_for(config)
    rss0 = rss_mb()
    start = time.perf_counter()
    index = LexicalIndex.build(passages, params)
    build_s = time.perf_counter() - start
    rss_delta = rss_mb() - rss0
    with tempfile.TemporaryDirectory(prefix="tracuu-bench-lex-") as tmp:
        index.save(Path(tmp))
        size = dir_size(Path(tmp))
        index = LexicalIndex.load(Path(tmp), mmap=True)  # searched as the Searcher does: memory-mapped
        make = product_query if config == "product" else unigram_query
        prepared = [make(q.text) for q in queries]
        out = []
        latencies, results = _time_queries(lambda lq: index.search(lq, K)[0].tolist(), prepared)
        out.append((_result(f"ours ({config})", len(passages), build_s, latencies, index_mb=round(size / 2**20, 1),
                            rss_delta_mb=round(rss_delta, 1)), results))
        # The same index through the fast path (same results); in the unigram configuration it does bm25s's work.
        fast = FastSearch(index)
        latencies, results = _time_queries(lambda lq: fast.search(lq, K)[0].tolist(), prepared)
        out.append((_result(f"ours ({config}, fast path)", len(passages), build_s, latencies,
                            index_mb=round(size / 2**20, 1),
                            note="same index and results; compiled scatter kernel + one-pass top-k"), results))
        del index
    return out


def _params_for(config: str):
    from indexer.store.lexical import LexicalParams

    return LexicalParams() if config == "product" else unigram_params()


def run_bm25s(tokens: Sequence[list[str]], queries: Sequence[BenchQuery], tokenize_s: float) -> tuple[EngineResult, list[list[int]], object]:
    import bm25s

    backend = "numba" if getattr(bm25s, "NUMBA_AVAILABLE", False) or _has_numba() else "numpy"
    rss0 = rss_mb()
    start = time.perf_counter()
    # robertson IDF and k1=1.5 so that its ranking is comparable with rank_bm25's BM25Okapi
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="robertson", backend=backend)
    retriever.index(list(tokens), show_progress=False)
    build_s = time.perf_counter() - start + tokenize_s
    rss_delta = rss_mb() - rss0
    with tempfile.TemporaryDirectory(prefix="tracuu-bench-bm25s-") as tmp:
        retriever.save(tmp)
        size = dir_size(Path(tmp))
    prepared = [peer_tokens(q.text) for q in queries]

    def search(qt: list[str]) -> list[int]:
        docs, scores = retriever.retrieve([qt], k=K, show_progress=False, n_threads=1)
        return [int(d) for d, s in zip(docs[0], scores[0]) if s > 0]

    latencies, results = _time_queries(search, prepared)
    retriever.retrieve(prepared[:4], k=K, show_progress=False, n_threads=2)  # numba compiles the threaded path once
    start = time.perf_counter()
    retriever.retrieve(prepared, k=K, show_progress=False, n_threads=2)
    batch_s = time.perf_counter() - start
    result = _result(f"bm25s {bm25s.__version__} ({backend})", len(tokens), build_s, latencies,
                     index_mb=round(size / 2**20, 1), rss_delta_mb=round(rss_delta, 1),
                     batch_qps=round(len(prepared) / batch_s, 1),
                     note="build includes tokenisation; batch_qps = all queries in one retrieve() call, 2 threads")
    return result, results, retriever


def _has_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def run_rank_bm25(tokens: Sequence[list[str]], queries: Sequence[BenchQuery], tokenize_s: float, total: int,
                  max_queries: int | None = None) -> tuple[EngineResult, list[np.ndarray]]:
    """rank_bm25 BM25Okapi on at most RANK_BM25_MAX passages; latency scaled by total/sample when sampled.

    Returns the full score arrays of the timed queries (the overlap reference when nothing was sampled)."""
    from rank_bm25 import BM25Okapi

    sample = list(tokens[:RANK_BM25_MAX])
    start = time.perf_counter()
    model = BM25Okapi(sample, k1=1.5, b=0.75)
    build_s = time.perf_counter() - start + tokenize_s * len(sample) / max(1, len(tokens))
    prepared = [peer_tokens(q.text) for q in queries][: max_queries or len(queries)]
    latencies, scores = _time_queries(lambda qt: model.get_scores(qt), prepared, warmup=1)
    scale = total / len(sample)
    extrapolated = scale > 1.0
    latencies = [t * scale for t in latencies]
    note = f"measured on {len(sample):,} passages, latency × {scale:.0f} (O(N) per query)" if extrapolated else ""
    if max_queries and max_queries < len(queries):
        note = (note + "; " if note else "") + f"{len(prepared)} of {len(queries)} queries"
    result = _result("rank_bm25 0.2.2 (BM25Okapi)", total, build_s * scale, latencies, extrapolated=extrapolated, note=note)
    return result, [np.asarray(s) for s in scores]


def run_lexical(passages: Sequence[str], queries: Sequence[BenchQuery], progress: Callable[[str], None] = print,
                rank_bm25_queries: int | None = None) -> dict[str, object]:
    """The lexical table: every engine on the same passages and queries, overlap against the BM25 reference."""
    progress(f"lexical: tokenising {len(passages):,} passages for the peers")
    start = time.perf_counter()
    tokens = [peer_tokens(p) for p in passages]
    tokenize_s = time.perf_counter() - start

    progress("lexical: bm25s")
    bm25s_row, bm25s_found, retriever = run_bm25s(tokens, queries, tokenize_s)
    progress("lexical: rank_bm25")
    rank_row, rank_scores = run_rank_bm25(tokens, queries, tokenize_s, len(passages), max_queries=rank_bm25_queries)

    # The overlap reference: rank_bm25's full scores when it holds every passage, else bm25s (robertson, same k1/b),
    # whose agreement with rank_bm25 is measured in the runs where both are exact.
    exact_rank = not rank_row.extrapolated and len(rank_scores) == len(queries)
    ref_name = "rank_bm25" if exact_rank else "bm25s (robertson)"
    ref_scores = rank_scores if exact_rank else [np.asarray(retriever.get_scores(peer_tokens(q.text))) for q in queries]
    rows = [bm25s_row, rank_row]
    if exact_rank:
        bm25s_row.top10_overlap, bm25s_row.top10_overlap_by_kind = _mean_by_kind(
            overlap_at_k(bm25s_found, ref_scores), queries)
    del rank_scores, tokens, retriever
    for config in ("unigram", "product"):
        progress(f"lexical: ours ({config})")
        for row, found in run_ours(passages, queries, config):
            row.top10_overlap, row.top10_overlap_by_kind = _mean_by_kind(overlap_at_k(found, ref_scores), queries)
            rows.append(row)
    rows.sort(key=lambda r: not r.engine.startswith("ours"))
    return {"reference": ref_name, "k": K, "queries": len(queries), "engines": rows}
