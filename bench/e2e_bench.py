"""End to end: index a synthetic archive with build_index, then time a warm Searcher; each phase in its own process."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from bench.measure import dir_size, latency_summary, peak_rss_mb, pin_threads, rss_mb

REPO = Path(__file__).resolve().parents[1]
MODES = ("hybrid", "lexical", "dense")


def _embedder(real_vectors: Path):
    from bench.vectors import ClusteredEmbedder, VectorModel

    return ClusteredEmbedder(VectorModel(np.load(real_vectors, allow_pickle=False)))


def phase_build(archive: Path, index: Path, real_vectors: Path | None) -> dict:
    """One build_index call; with real_vectors a hybrid build with the clustered embedder, else lexical only."""
    from indexer import build_index

    marks: dict[str, float] = {}
    start = time.perf_counter()

    def on_progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - start
        marks.setdefault(f"{stage}_first", now)
        marks[f"{stage}_last"] = now

    embedder = _embedder(real_vectors) if real_vectors else None
    report = build_index([archive], index, model=embedder, dense=embedder is not None, on_progress=on_progress)
    seconds = time.perf_counter() - start
    failed = sum(1 for f in report.files if f.status in ("failed", "skipped"))
    return {"seconds": round(seconds, 2), "mode": report.mode, "documents": report.documents, "chunks": report.chunks,
            "failed_or_skipped": failed, "embedded": report.embedded_chunks,
            "read_store_s": round(marks.get("read_last", 0.0), 2), "marks": {k: round(v, 2) for k, v in marks.items()},
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def phase_search(index: Path, real_vectors: Path, queries: Sequence[str], k: int = 10) -> dict:
    """Open a Searcher (timed), warm it, then time every query per mode; query encoding is measured and excluded."""
    from indexer.store.reader import IndexReader
    from search.retrieve.searcher import Searcher

    embedder = _embedder(real_vectors)
    rss_before = rss_mb()
    start = time.perf_counter()
    reader = IndexReader.open(index, embedder=embedder)
    searcher = Searcher(reader, reader.lexical())
    open_s = time.perf_counter() - start
    has_dense = searcher.has_dense  # loads the FAISS file: the rest of "ready to answer"
    ready_s = time.perf_counter() - start
    first = time.perf_counter()
    searcher.search(queries[0], k=k, mode="hybrid")
    first_query_s = time.perf_counter() - first
    rss_open = rss_mb()
    for q in queries[:10]:
        for mode in MODES:
            searcher.search(q, k=k, mode=mode)
    out: dict = {"open_s": round(open_s, 3), "ready_s": round(ready_s, 3), "first_query_ms": round(first_query_s * 1000, 1),
                 "has_dense": has_dense, "rss_open_mb": round(rss_open - rss_before, 1), "modes": {}}
    parse_times = []
    for q in queries:
        t = time.perf_counter()
        searcher.query_understanding.parse(q)
        parse_times.append(time.perf_counter() - t)
    out["query_understanding"] = latency_summary(parse_times)
    filters = {"year": 2020}
    for label, mode, flt in [(m, m, None) for m in MODES] + [("hybrid + year filter", "hybrid", filters)]:
        totals, encodes = [], []
        for q in queries:
            before = embedder.query_seconds
            t = time.perf_counter()
            searcher.search(q, k=k, mode=mode, filters=flt)
            totals.append(time.perf_counter() - t)
            encodes.append(embedder.query_seconds - before)
        excl = [a - b for a, b in zip(totals, encodes)]
        out["modes"][label] = {"excluding_encoding": latency_summary(excl), "including_stand_in_encoding": latency_summary(totals)}
    out["rss_warm_mb"] = round(rss_mb() - rss_before, 1)
    out["rss_process_mb"] = round(rss_mb(), 1)
    return out


class RealQueryEmbedder:
    """Bench only: the stand-in index's identity (name, prefixes, dimension) with a real model's query encoder.

    Passage vectors stay synthetic, so the hits mean nothing; the latency is the product's: real query embedding
    + FAISS + BM25 + fusion. The real encoder adds its own query prefix ("query: " for E5), as in the product.
    """

    def __init__(self, stored_model: dict, real) -> None:
        if int(real.dimension) != int(stored_model["dimension"]):
            raise SystemExit(f"the real query model gives {real.dimension}-d vectors, the bench index holds "
                             f"{stored_model['dimension']}-d ones")
        self.real = real
        self.name = stored_model["name"]
        self.query_prefix = stored_model.get("query_prefix", "")
        self.passage_prefix = stored_model.get("passage_prefix", "")
        self.dimension = int(real.dimension)
        self.location = None
        self.query_seconds = 0.0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        vectors = self.real.encode_queries(texts)
        self.query_seconds += time.perf_counter() - start
        return vectors

    def encode_passages(self, texts: Sequence[str], progress: bool = True) -> np.ndarray:
        raise RuntimeError("RealQueryEmbedder only encodes queries")


def phase_real_query(index: Path, query_model: Path, queries: Sequence[str], k: int = 10) -> dict:
    """Warm hybrid search with the real query embedder (the product's loader, ONNX int8 for the bundled model),
    beside lexical search and the query embedding alone: per query the three are timed back to back."""
    from indexer.embed.embedders import load_embedder, resolve_model
    from indexer.store.generations import current_generation
    from indexer.store.manifest import read_manifest
    from indexer.store.reader import IndexReader
    from search.retrieve.searcher import Searcher

    load_start = list(os.getloadavg())
    real = load_embedder(resolve_model(str(query_model)))
    embedder = RealQueryEmbedder(read_manifest(current_generation(index))["model"], real)
    reader = IndexReader.open(index, embedder=embedder)
    searcher = Searcher(reader, reader.lexical())
    assert searcher.has_dense
    first = time.perf_counter()
    searcher.search(queries[0], k=k, mode="hybrid")
    first_ms = (time.perf_counter() - first) * 1000
    for q in queries[:10]:
        real.encode_queries([q])
        searcher.search(q, k=k, mode="hybrid")
        searcher.search(q, k=k, mode="lexical")
    times: dict[str, list[float]] = {"query_embed": [], "hybrid": [], "hybrid_excluding_encoding": [], "lexical": []}
    for q in queries:
        t = time.perf_counter()
        real.encode_queries([q])
        times["query_embed"].append(time.perf_counter() - t)
        before = embedder.query_seconds
        t = time.perf_counter()
        searcher.search(q, k=k, mode="hybrid")
        total = time.perf_counter() - t
        times["hybrid"].append(total)
        times["hybrid_excluding_encoding"].append(total - (embedder.query_seconds - before))
        t = time.perf_counter()
        searcher.search(q, k=k, mode="lexical")
        times["lexical"].append(time.perf_counter() - t)
    reader.close()
    return {"model": real.name, "backend": getattr(real, "backend", "torch"),
            "query_threads": getattr(real, "query_threads", None), "queries": len(queries),
            "first_hybrid_ms": round(first_ms, 1), "load_avg_at_start": load_start,
            "load_avg_at_end": list(os.getloadavg()), **{key: latency_summary(v) for key, v in times.items()}}


def _run_phase(args: list[str], out: Path, progress: Callable[[str], None]) -> dict:
    cmd = [sys.executable, "-m", "bench.e2e_bench", *args, "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    completed = subprocess.run(cmd, cwd=str(REPO), env=env, capture_output=True, text=True, encoding="utf-8")
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark phase {args[0]} failed:\n{completed.stderr[-3000:]}")
    with open(out, encoding="utf-8") as handle:
        return json.load(handle)


def run_e2e(work: Path, archive: Path, real_vectors: Path, queries: Sequence[str],
            progress: Callable[[str], None] = print, resume: bool = False, query_model: Path | None = None) -> dict:
    """Lexical-only build (indexing throughput, peak RSS), hybrid re-build (dense part), then the warm searcher;
    with query_model, hybrid search again with that real model embedding the queries (phase_real_query).

    resume: keep the lexical-only build of an earlier run in the same work folder (its index and measurements).
    """
    index = work / "index"
    query_file = work / "queries.json"
    with open(query_file, "w", encoding="utf-8") as handle:
        json.dump(list(queries), handle, ensure_ascii=False)
    done = work / "build_lexical.json"
    if resume and done.is_file() and index.is_dir():
        progress("e2e: reusing the lexical-only build of the earlier run")
        with open(done, encoding="utf-8") as handle:
            lexical = json.load(handle)
    else:
        progress("e2e: build_index, lexical only (read → chunk → store → lexical)")
        lexical = _run_phase(["build", "--archive", str(archive), "--index", str(index)], done, progress)
    progress("e2e: build_index again with the clustered embedder (embed + FAISS; files unchanged)")
    hybrid = _run_phase(["build", "--archive", str(archive), "--index", str(index), "--real-vectors", str(real_vectors)],
                        work / "build_hybrid.json", progress)
    progress("e2e: warm searcher")
    search = _run_phase(["search", "--index", str(index), "--real-vectors", str(real_vectors),
                         "--queries", str(query_file)], work / "search.json", progress)
    real_query = None
    if query_model is not None:
        progress(f"e2e: warm searcher with the real query embedder ({query_model})")
        real_query = _run_phase(["search-real", "--index", str(index), "--query-model", str(query_model),
                                 "--queries", str(query_file)], work / "search_real.json", progress)
    from indexer.store.generations import current_generation
    from indexer.store.manifest import read_manifest

    gen = current_generation(index)
    manifest = read_manifest(gen) if gen else {}
    sizes = {p.name: dir_size(p) for p in gen.iterdir()} if gen else {}
    return {
        "documents": lexical["documents"], "passages": lexical["chunks"],
        "indexing": {
            "seconds": lexical["seconds"], "documents_per_s": round(lexical["documents"] / lexical["seconds"], 1),
            "passages_per_s": round(lexical["chunks"] / lexical["seconds"], 1),
            "read_store_s": lexical["read_store_s"], "peak_rss_mb": lexical["peak_rss_mb"],
            "failed_or_skipped": lexical["failed_or_skipped"],
        },
        "dense_build": {"seconds": hybrid["seconds"], "peak_rss_mb": hybrid["peak_rss_mb"],
                        "dense": manifest.get("dense"), "embedded": hybrid["embedded"]},
        "index_size_mb": {"generation": round(sum(sizes.values()) / 2**20, 1),
                          "files": {k: round(v / 2**20, 1) for k, v in sorted(sizes.items())},
                          "folder_total": round(dir_size(index) / 2**20, 1)},
        "search": search,
        "real_query": real_query,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e_bench")
    sub = parser.add_subparsers(dest="phase", required=True)
    b = sub.add_parser("build")
    b.add_argument("--archive", type=Path, required=True)
    b.add_argument("--index", type=Path, required=True)
    b.add_argument("--real-vectors", type=Path)
    b.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("search")
    s.add_argument("--index", type=Path, required=True)
    s.add_argument("--real-vectors", type=Path, required=True)
    s.add_argument("--queries", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("search-real")
    r.add_argument("--index", type=Path, required=True)
    r.add_argument("--query-model", type=Path, required=True)
    r.add_argument("--queries", type=Path, required=True)
    r.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    pin_threads(2)
    if args.phase == "build":
        result = phase_build(args.archive, args.index, args.real_vectors)
    else:
        with open(args.queries, encoding="utf-8") as handle:
            queries = json.load(handle)
        if args.phase == "search-real":
            result = phase_real_query(args.index, args.query_model, queries)
        else:
            result = phase_search(args.index, args.real_vectors, queries)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
