"""Lexical search on real legal texts through the Searcher, beside bm25s and rank_bm25 in the same run.

The archive: the first N Vietnamese texts (≥ 500 characters) of `vbpl-central-1000`, written as .txt files and
indexed lexically by the product (`build_index(dense=False)`). Queries: 3–8 consecutive words cut from the
passages (a quarter typed without diacritics). Our figure is `Searcher.search(mode="lexical", k=10)` (query
understanding, BM25 over passage + context, proximity re-rank, highlights, hits with metadata); the peers score the
same indexed texts with their own tokenisation. A second pass times every stage of a query separately.
"""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from bench.lexical_bench import K, peer_tokens, run_bm25s, run_rank_bm25
from bench.measure import latency_summary
from bench.queries import make_queries
from bench.synth import DEFAULT_VBPL, _is_vietnamese

REAL_DOCS = 562  # the texts measured in issue 15
STAGES = ("understanding", "bm25", "proximity", "highlight", "packaging")


def write_corpus(out_dir: Path, n_docs: int = REAL_DOCS, source: Path = DEFAULT_VBPL) -> int:
    """Write the first n_docs Vietnamese texts (≥ 500 characters) of the vbpl dump as out_dir/<id>.txt; their count."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(source, encoding="utf-8") as handle:
        for line in handle:
            if written >= n_docs:
                break
            doc = json.loads(line)
            text = doc.get("text") or ""
            if len(text) < 500 or not _is_vietnamese(text):
                continue
            path = out_dir / f"{doc['id']}.txt"
            if not path.exists():
                path.write_text(text, encoding="utf-8")
            written += 1
    return written


class StageClock:
    """Seconds spent per stage of Searcher.search (wall in `spent`, this thread's CPU in `cpu`), gathered by wrapping
    the functions each stage calls."""

    def __init__(self) -> None:
        self.spent = dict.fromkeys(STAGES, 0.0)
        self.cpu = dict.fromkeys(STAGES, 0.0)

    def wrap(self, stage: str, func: Callable) -> Callable:
        def timed(*args, **kwargs):
            start, start_cpu = time.perf_counter(), time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                self.cpu[stage] += time.thread_time() - start_cpu
                self.spent[stage] += time.perf_counter() - start
        if hasattr(func, "cache_clear"):  # the Searcher's cached query understanding
            timed.cache_clear = func.cache_clear
        return timed


@contextmanager
def instrumented(searcher, clock: StageClock) -> Iterator[None]:
    """Time the stages of `searcher` (packaging = total − the others, computed by the caller)."""
    import search.retrieve.proximity as proximity
    import search.retrieve.searcher as searcher_module

    # (owner, attribute, stage); attributes an older Searcher lacks are left out, so that a run of an earlier
    # version of the code gives the before-figures of the same table.
    understanding = searcher if hasattr(searcher, "parse") else searcher.query_understanding
    targets = [(understanding, "parse", "understanding"), (searcher.lexical, "search", "bm25"),
               (proximity, "rerank", "proximity"), (searcher_module, "highlight_rows", "highlight"),
               (searcher_module, "highlight_spans", "highlight")]
    context = searcher.reader.context_index()
    if context is not None:
        targets.append((context, "row_scores", "bm25"))
    targets = [(owner, name, stage) for owner, name, stage in targets if hasattr(owner, name)]
    saved = [(owner, name, vars(owner).get(name)) for owner, name, _ in targets]  # None: a class attribute
    try:
        for owner, name, stage in targets:
            setattr(owner, name, clock.wrap(stage, getattr(owner, name)))
        yield
    finally:
        for owner, name, original in saved:
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


def timed(call: Callable[[object], object], items: list, before: Callable[[], None] | None = None
          ) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds of this thread) of call(item) for each item.

    On a shared machine a query longer than the scheduler's time slice waits for the CPU while a short one does not:
    the thread's CPU time is the fair comparison, wall time what a user waits.
    """
    wall, cpu = [], []
    for item in items:
        if before is not None:
            before()
        start, start_cpu = time.perf_counter(), time.thread_time()
        call(item)
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return wall, cpu


def _summary(wall: list[float], cpu: list[float]) -> dict:
    out = latency_summary(wall)
    out.update({f"cpu_{k}": v for k, v in latency_summary(cpu).items() if k != "qps"})
    return out


def run_real(work: Path, n_docs: int = REAL_DOCS, n_queries: int = 200, seed: int = 0,
             progress: Callable[[str], None] = print, rank_bm25_queries: int | None = 50) -> dict:
    """Build (or reuse) the real-text index in work/, then time ours, bm25s and rank_bm25 on the same queries."""
    from indexer import build_index
    from indexer.model import indexed_text
    from search import Searcher

    corpus, index_dir = work / "vbpl-corpus", work / "vbpl-index"
    docs = write_corpus(corpus, n_docs)
    build_s = None
    if not (index_dir / "CURRENT").exists():
        progress(f"real: indexing {docs} texts lexically")
        start = time.perf_counter()
        build_index([corpus], index_dir, dense=False)
        build_s = time.perf_counter() - start
    searcher = Searcher.open(index_dir)
    from indexer.store.scoring.compiled import warm_up
    import search.retrieve.kernels  # noqa: F401 (registers the proximity kernel)

    compiled = warm_up()  # what a long-running app uses after its first seconds (numba compiled or cached)
    reader = searcher.reader
    n_rows = searcher.lexical.n_rows
    chunks = reader.chunk_rows(list(range(n_rows)))
    indexed = [indexed_text(c.context, c.text) for c in chunks]  # what our lexical index reads
    passages = [c.text for c in chunks]
    del chunks
    queries = make_queries(passages, n=n_queries, seed=seed, dev_path=None)
    texts = [q.text for q in queries]

    progress(f"real: ours on {n_rows:,} passages, {len(texts)} queries")
    def ours(text):
        return searcher.search_result(text, k=K, mode="lexical")

    for text in texts[:5]:
        ours(text)
    forget = getattr(getattr(searcher, "parse", None), "cache_clear", None)
    cold = timed(ours, texts, before=forget)  # first sight: understanding included
    for text in texts:  # every query seen once (the first-sight pass forgot all but the last)
        ours(text)
    warm = timed(ours, texts)  # the same queries again: understanding, posting columns, proximity tables cached
    clock = StageClock()
    with instrumented(searcher, clock):
        staged, staged_cpu = timed(ours, texts, before=forget)
    clock.spent["packaging"] = max(0.0, sum(staged) - sum(v for s, v in clock.spent.items() if s != "packaging"))
    clock.cpu["packaging"] = max(0.0, sum(staged_cpu) - sum(v for s, v in clock.cpu.items() if s != "packaging"))
    stages = {s: round(1000 * v / len(texts), 3) for s, v in clock.spent.items()}
    stages_cpu = {s: round(1000 * v / len(texts), 3) for s, v in clock.cpu.items()}

    progress("real: bm25s and rank_bm25 on the same indexed texts")
    start = time.perf_counter()
    tokens = [peer_tokens(t) for t in indexed]
    tokenize_s = time.perf_counter() - start
    bm25s_row, _, retriever = run_bm25s(tokens, queries, tokenize_s)
    prepared = [peer_tokens(t) for t in texts]
    bm25s_times = timed(lambda q: retriever.retrieve([q], k=K, show_progress=False, n_threads=1), prepared)
    rank_row, _ = run_rank_bm25(tokens, queries, tokenize_s, len(tokens), max_queries=rank_bm25_queries)
    ours = {"warm": _summary(*warm), "first_sight": _summary(*cold)}
    peer = _summary(*bm25s_times)
    positions = getattr(searcher.lexical, "positions", None) is not None
    return {
        "documents": docs, "passages": n_rows, "queries": len(texts), "k": K,
        "build_s": round(build_s, 2) if build_s else None,
        "build_passages_per_s": round(n_rows / build_s, 1) if build_s else None,
        "positions": positions, "compiled_kernels": compiled,
        "ours": ours, "stages_ms": stages, "stages_cpu_ms": stages_cpu,
        "bm25s": dict(engine=bm25s_row.engine, **peer),
        "rank_bm25": {"engine": rank_row.engine, "p50_ms": rank_row.p50_ms, "p95_ms": rank_row.p95_ms,
                      "qps": rank_row.qps, "note": rank_row.note},
        "ratio_p50_vs_bm25s": round(ours["warm"]["p50_ms"] / peer["p50_ms"], 2) if peer["p50_ms"] else None,
        "ratio_cpu_p50_vs_bm25s": (round(ours["warm"]["cpu_p50_ms"] / peer["cpu_p50_ms"], 2)
                                   if peer["cpu_p50_ms"] else None),
        "load_avg": list(os.getloadavg()),
    }


def render(result: dict) -> str:
    """Markdown table of one run_real result."""
    ours, stages = result["ours"], result["stages_ms"]
    lines = [f"### Real texts: {result['documents']} vbpl texts, {result['passages']:,} passages, "
             f"{result['queries']} queries, k={result['k']} (load {result['load_avg'][0]:.1f})", "",
             "| engine | p50 ms | p95 ms | QPS | CPU p50 ms | CPU p95 ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, row in (("ours: Searcher lexical, warm", ours["warm"]), ("ours: first sight of each query", ours["first_sight"]),
                      (result["bm25s"]["engine"], result["bm25s"]), (result["rank_bm25"]["engine"], result["rank_bm25"])):
        cpu = (f"{row['cpu_p50_ms']:.3f} | {row['cpu_p95_ms']:.3f}" if "cpu_p50_ms" in row else "– | –")
        lines.append(f"| {name} | {row['p50_ms']:.3f} | {row['p95_ms']:.3f} | {row['qps']:.1f} | {cpu} |")
    lines += ["", f"ours / bm25s at p50: ×{result['ratio_p50_vs_bm25s']} wall, ×{result['ratio_cpu_p50_vs_bm25s']} CPU; "
              f"token positions stored: {result['positions']}, compiled kernels: {result.get('compiled_kernels')}",
              "", "Time of a first-sight query by stage, mean ms wall / CPU: "
              + ", ".join(f"{s} {stages[s]:.3f} / {result['stages_cpu_ms'][s]:.3f}" for s in STAGES)]
    if result.get("build_passages_per_s"):
        lines.append(f"Indexing (read, structure, duties, lexical): {result['build_passages_per_s']:.0f} passages/s")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m bench.real_lexical WORK_DIR [N_DOCS]
    import sys

    outcome = run_real(Path(sys.argv[1]), n_docs=int(sys.argv[2]) if len(sys.argv) > 2 else REAL_DOCS)
    print(render(outcome))
    print(json.dumps(outcome, ensure_ascii=False, indent=1))
