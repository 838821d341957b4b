"""Lexical search at archive scale (1M passages), ours beside bm25s and rank_bm25 in one run, CPU and wall time.

    python -m bench.lexical_scale WORK [--size 1m] [--rank-bm25-queries 20]

The passages and queries are those of `tracuu bench --size 1m --parts lexical` (bench.synth.ArchiveSynth, seed 0;
bench.queries.make_queries: 22 dev queries + spans, a quarter unaccented), built once into WORK (our product
LexicalIndex, bm25s; ~6 min at 1M on the 2-core VM) and reused by later runs. Ours is
`LexicalIndex.search` with the shipped query understanding (the product configuration of bench.lexical_bench);
bm25s retrieves one query at a time on one thread; rank_bm25 scores every passage in Python, so it runs on the
first 100k passages for a sample of queries and its latency is scaled by size / 100k. Besides latency, the mean
postings read per query says why the engines differ.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from bench.lexical_bench import K, RANK_BM25_MAX, peer_tokens, product_query
from bench.measure import latency_summary


def build(work: Path, n: int, progress=print) -> None:
    """Passages, queries, our index and bm25s's into `work` (each step skipped when its output is there)."""
    from bench.queries import make_queries
    from bench.synth import ArchiveSynth, load_pool
    from indexer.store.lexical import LexicalIndex, LexicalParams

    work.mkdir(parents=True, exist_ok=True)
    if (work / "bm25s").is_dir() and (work / "ours" / "lexical.json").is_file():
        return
    passages = list(ArchiveSynth(load_pool(), seed=0).passages(n))
    with open(work / "queries.pkl", "wb") as handle:
        pickle.dump(make_queries(passages, n=200, seed=0), handle)
    if not (work / "ours" / "lexical.json").is_file():
        progress(f"scale: our index of {n:,} passages")
        LexicalIndex.build(passages, LexicalParams()).save(work / "ours")
    import bm25s

    progress("scale: bm25s index")
    tokens = [peer_tokens(p) for p in passages]
    del passages
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="robertson", backend="numba")
    retriever.index(tokens, show_progress=False)
    retriever.save(str(work / "bm25s"))
    with open(work / "rank_tokens.pkl", "wb") as handle:
        pickle.dump(tokens[:RANK_BM25_MAX], handle)


def _timed(call, items, warm: int = 5) -> dict:
    for item in items[:warm]:
        call(item)
    wall, cpu = [], []
    for item in items:
        start, start_cpu = time.perf_counter(), time.thread_time()
        call(item)
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    out = latency_summary(wall)
    out.update({f"cpu_{k}": v for k, v in latency_summary(cpu).items()})
    return out


def measure(work: Path, rank_bm25_queries: int = 20) -> dict:
    """Time the three engines on the built work folder; also the mean postings each reads per query."""
    import bm25s
    from indexer.store.lexical import LexicalIndex

    with open(work / "queries.pkl", "rb") as handle:
        texts = [q.text for q in pickle.load(handle)]
    load_start = list(os.getloadavg())
    index = LexicalIndex.load(work / "ours")
    prepared = [product_query(t) for t in texts]
    ours = _timed(lambda q: index.search(q, K), prepared)
    ours["postings_per_query"] = float(np.mean([sum(int(b[1] - b[0]) for b, _ in index._plan(q)) for q in prepared]))
    retriever = bm25s.BM25.load(str(work / "bm25s"))
    peer = [peer_tokens(t) for t in texts]
    theirs = _timed(lambda q: retriever.retrieve([q], k=K, show_progress=False, n_threads=1), peer)
    indptr, vocab = retriever.scores["indptr"], retriever.vocab_dict
    theirs["postings_per_query"] = float(np.mean([sum(int(indptr[vocab[t] + 1] - indptr[vocab[t]])
                                                       for t in set(q) if t in vocab) for q in peer]))
    from rank_bm25 import BM25Okapi

    with open(work / "rank_tokens.pkl", "rb") as handle:
        sample = pickle.load(handle)
    scale = index.n_rows / len(sample)
    model = BM25Okapi(sample, k1=1.5, b=0.75)
    rank = _timed(lambda q: model.get_scores(q), peer[:rank_bm25_queries], warm=1)
    rank = {k: (v * scale if k.endswith("_ms") else v / scale if k.endswith("qps") else v) for k, v in rank.items()}
    rank["note"] = f"{len(sample):,} passages, latency × {scale:.0f}; {rank_bm25_queries} of {len(texts)} queries"
    return {"passages": index.n_rows, "queries": len(texts), "k": K, "load_start": load_start,
            "load_end": list(os.getloadavg()), "ours (product query, LexicalIndex.search)": ours,
            f"bm25s {bm25s.__version__} (numba, 1 thread)": theirs, "rank_bm25 0.2.2 (BM25Okapi)": rank}


def render(result: dict) -> str:
    lines = [f"### Lexical at {result['passages']:,} passages, {result['queries']} queries, k={result['k']} "
             f"(load {result['load_start'][0]:.1f} → {result['load_end'][0]:.1f})", "",
             "| engine | p50 ms | p95 ms | QPS | CPU p50 ms | CPU p95 ms | CPU QPS | postings / query |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, row in result.items():
        if isinstance(row, dict) and "p50_ms" in row:
            postings = f"{row['postings_per_query'] / 1e6:.2f}M" if "postings_per_query" in row else "–"
            lines.append(f"| {name} | {row['p50_ms']:.3f} | {row['p95_ms']:.3f} | {row['qps']:.1f} | "
                         f"{row['cpu_p50_ms']:.3f} | {row['cpu_p95_ms']:.3f} | {row['cpu_qps']:.1f} | {postings} |")
            if row.get("note"):
                lines.append(f"| ↳ {row['note']} | | | | | | | |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from bench.run import parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--size", default="1m")
    parser.add_argument("--rank-bm25-queries", type=int, default=20)
    args = parser.parse_args(argv)
    build(args.work, parse_size(args.size))
    result = measure(args.work, args.rank_bm25_queries)
    print(render(result))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
