"""The bundled model on this machine, side by side: ONNX int8 against torch, with lexical search as the reference.

    python -m bench.embed_bench [--reps 3] [--query-runs 100] [--json FILE]

Measures, each engine × thread count in its own process (threads of one engine stall on a busy neighbour's):
  * query embedding latency p50/p95 (one real question at a time, the searcher's case);
  * passages/s over the sample corpus's chunks as the index embeds them (context + passage), median of --reps;
  * end-to-end `Searcher.search(mode="hybrid")` p50/p95 on an index of corpus/ built with that backend;
and in this process lexical-only search p50/p95 on the same corpus as the reference. Questions: the 22 dev questions
(shared/eval/dev-queries.jsonl) when present. Results: docs/BENCHMARKS.md, "The bundled model".
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import latency_summary
from bench.queries import load_dev_queries

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
FALLBACK_QUERIES = [
    "Kế hoạch nào yêu cầu báo cáo hàng quý về Sở Nội vụ?", "ke hoach dan van chinh quyen nam 2020",
    "khu kinh tế Dung Quất phối hợp công tác dân vận", "quy chế dân chủ ở cơ sở", "thời hạn gửi báo cáo năm",
]
# (engine, passage threads, query threads): the product's configurations first.
CONFIGS = [("onnx-int8", 2, 1), ("onnx-int8", 1, 2), ("torch", 2, 2), ("torch", 1, 1)]


def corpus_passages(corpus: Path, work: Path) -> list[str]:
    """The texts the index embeds for `corpus` (indexer.model.indexed_text of every chunk), via a lexical build."""
    from indexer.build import build_index
    from indexer.model import indexed_text
    from indexer.store.reader import IndexReader

    build_index([corpus], work / "lexical", dense=False)
    reader = IndexReader.open(work / "lexical")
    try:
        rows = reader.chunk_rows(range(reader.n_rows))
    finally:
        reader.close()
    return [indexed_text(r.context, r.text) for r in rows]


def _timed(fn, items, runs: int, warmup: int = 5) -> dict:
    for item in items[:warmup]:
        fn(item)
    times = []
    for i in range(runs):
        item = items[i % len(items)]
        start = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - start)
    return latency_summary(times)


def worker(engine: str, threads: int, query_threads: int, model_dir: Path, corpus: Path, queries: list[str],
           reps: int, query_runs: int) -> dict:
    """One engine at one thread setting: passages/s, query latency, hybrid search latency."""
    from indexer.embed.embedders import load_embedder, resolve_model

    os.environ["TRACUU_EMBED_BACKEND"] = "onnx" if engine == "onnx-int8" else "torch"
    spec = resolve_model(str(model_dir))
    if engine == "onnx-int8":
        from indexer.embed.onnx_embed import OnnxEmbedder

        embedder = OnnxEmbedder.load(spec, threads=threads, query_threads=query_threads)
    else:
        import torch

        torch.set_num_threads(threads)
        embedder = load_embedder(spec)
    with tempfile.TemporaryDirectory(prefix="embed-bench-") as tmp:
        work = Path(tmp)
        passages = corpus_passages(corpus, work)
        embedder.encode_passages(passages[:8])  # warm-up: sessions, thread pools, first allocations
        rates = []
        for _ in range(reps):
            start = time.perf_counter()
            embedder.encode_passages(passages)
            rates.append(len(passages) / (time.perf_counter() - start))
        out = {"engine": engine, "threads": threads, "query_threads": query_threads, "passages": len(passages),
               "passages_per_s": round(statistics.median(rates), 2), "passages_per_s_runs": [round(r, 2) for r in rates],
               "query": _timed(lambda q: embedder.encode_queries([q]), queries, query_runs)}
        from indexer.build import build_index
        from search import Searcher

        build_index([corpus], work / "hybrid", model=embedder)
        searcher = Searcher.open(work / "hybrid", embedder=embedder)
        searcher.search(queries[0], k=10, mode="hybrid")
        out["hybrid_search"] = _timed(lambda q: searcher.search(q, k=10, mode="hybrid"), queries, query_runs)
        searcher.reader.close()
    return out


def lexical_reference(corpus: Path, queries: list[str], runs: int) -> dict:
    from indexer.build import build_index
    from search import Searcher

    with tempfile.TemporaryDirectory(prefix="embed-bench-lex-") as tmp:
        build_index([corpus], Path(tmp) / "index", dense=False)
        searcher = Searcher.open(Path(tmp) / "index")
        searcher.search(queries[0], k=10, mode="lexical")
        try:
            return _timed(lambda q: searcher.search(q, k=10, mode="lexical"), queries, runs)
        finally:
            searcher.reader.close()


def _run_worker(config: tuple[str, int, int], args: argparse.Namespace) -> dict | None:
    engine, threads, query_threads = config
    command = [sys.executable, "-m", "bench.embed_bench", "--worker", engine, "--threads", str(threads),
               "--query-threads", str(query_threads), "--model", str(args.model), "--corpus", str(args.corpus),
               "--reps", str(args.reps), "--query-runs", str(args.query_runs)]
    env = dict(os.environ, OMP_NUM_THREADS=str(max(threads, query_threads)), HF_HUB_OFFLINE="1")
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        print(f"{engine} ({threads}/{query_threads} luồng) lỗi:\n{done.stderr[-2000:]}", flush=True)
        return None
    return json.loads(lines[-1][len("RESULT "):])


def _queries() -> list[str]:
    return load_dev_queries() or FALLBACK_QUERIES


def table(results: list[dict], lexical: dict) -> str:
    rows = [("engine", "threads (passages/query)", "query embed p50 / p95 ms", "passages/s",
             "hybrid search p50 / p95 ms")]
    for r in results:
        rows.append((r["engine"], f"{r['threads']}/{r['query_threads']}",
                     f"{r['query']['p50_ms']:.1f} / {r['query']['p95_ms']:.1f}", f"{r['passages_per_s']:.1f}",
                     f"{r['hybrid_search']['p50_ms']:.1f} / {r['hybrid_search']['p95_ms']:.1f}"))
    rows.append(("lexical only (reference)", "1", "—", "—", f"{lexical['p50_ms']:.1f} / {lexical['p95_ms']:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.embed_bench", description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, help="thư mục mô hình đóng gói (mặc định: chuẩn bị/lấy ở TRACUU_MODEL_HOME)")
    p.add_argument("--corpus", type=Path, default=CORPUS, help="kho văn bản (mặc định corpus/)")
    p.add_argument("--reps", type=int, default=3, help="số lần nhúng toàn bộ đoạn văn cho mỗi cấu hình (lấy trung vị)")
    p.add_argument("--query-runs", type=int, default=100, help="số truy vấn đo cho mỗi cấu hình")
    p.add_argument("--json", type=Path, help="ghi kết quả thô ra tệp này")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=2, help=argparse.SUPPRESS)
    p.add_argument("--query-threads", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.worker:
        result = worker(args.worker, args.threads, args.query_threads, args.model, args.corpus, _queries(), args.reps,
                        args.query_runs)
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    from indexer.embed.prepare import prepare_model

    started = time.perf_counter()
    prepared = prepare_model(args.model, progress=lambda line: print(line, flush=True))
    args.model = prepared.path
    print(f"Mô hình: {prepared.path} ({'có sẵn' if prepared.cached else 'vừa chuẩn bị'}, "
          f"{time.perf_counter() - started:.1f} s); {os.cpu_count()} CPU; mỗi cấu hình một tiến trình", flush=True)
    results = []
    for config in CONFIGS:
        print(f"Đo {config[0]} ({config[1]} luồng cho đoạn văn, {config[2]} cho truy vấn)…", flush=True)
        result = _run_worker(config, args)
        if result is not None:
            results.append(result)
    lexical = lexical_reference(args.corpus, _queries(), args.query_runs)
    print()
    print(f"{results[0]['passages'] if results else '?'} passages of {args.corpus.name}/ (as indexed), "
          f"{len(_queries())} questions, {args.query_runs} timed queries per row")
    print(table(results, lexical))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "lexical": lexical}, ensure_ascii=False, indent=2),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
