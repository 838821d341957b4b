"""The dense (FAISS) index: the one place that chooses the index type and the one place that reads its results."""
from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import faiss

# Measured with `tracuu bench` on 2 cores (docs/BENCHMARKS.md). An exact flat scan of 384-d vectors takes ~1 ms
# per query at 10k vectors but ~44 ms at 100k (p95), so exact search stops at EXACT_LIMIT (~10 ms). Beyond, an
# inverted file over 8-bit scalar-quantised vectors with NPROBE lists: recall@10 0.977–0.978 against exact search
# at 100k and 1M, p95 0.6 / 1.8 ms, a quarter of fp32's memory (380 MiB at 1M); filters stay cheap. HNSW needed
# efSearch 512 for 0.96–0.98 on these tightly clustered embeddings and builds 3× slower.
EXACT_LIMIT = 25_000
NPROBE = 64
TRAIN_PER_LIST = 64  # training vectors per inverted list (faiss warns below 39)
TRAIN_MAX = 262_144


def ivf_lists(n_vectors: int) -> int:
    """Inverted lists for n vectors: 4·√n rounded to a power of two (1024 at 100k, 4096 at 1M)."""
    return 1 << max(4, int(round(math.log2(4 * math.sqrt(max(1, n_vectors))))))


def plan_dense_index(n_vectors: int) -> dict:
    """The index build_dense_index makes for n_vectors (the `dense` entry of the manifest, without counts)."""
    if n_vectors <= EXACT_LIMIT:
        return {"type": "IndexFlatIP", "exact": True}
    nlist = ivf_lists(n_vectors)
    return {"type": "IndexIVFScalarQuantizer", "exact": False, "quantizer": "SQ8", "nlist": nlist,
            "nprobe": min(NPROBE, nlist), "train_vectors": min(n_vectors, TRAIN_MAX, TRAIN_PER_LIST * nlist)}


def build_dense_index(vectors: np.ndarray, seed: int = 0) -> tuple["faiss.Index", dict]:
    """Inner-product index over L2-normalised float32 vectors (row i = vector i); returns it with its description."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array (rows × dimension), got shape {vectors.shape}")
    n, dim = vectors.shape
    plan = plan_dense_index(n)
    if plan["exact"]:
        index = faiss.IndexFlatIP(dim)
    else:
        coarse = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(coarse, dim, plan["nlist"], faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = seed  # the same vectors give the same index
        rng = np.random.default_rng(seed)
        sample = vectors if plan["train_vectors"] >= n else vectors[np.sort(rng.choice(n, plan["train_vectors"], replace=False))]
        index.train(sample)
        index.nprobe = plan["nprobe"]
    index.add(vectors)
    info = {**plan, "metric": "inner_product", "n_vectors": int(index.ntotal), "dimension": int(dim),
            "exact_limit": EXACT_LIMIT, "faiss": faiss.__version__}
    return index, info


def write_dense_index(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def read_dense_index(path: Path):
    """The index as written (nprobe is stored in the file)."""
    import faiss

    return faiss.read_index(str(path))


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)


def dense_search(
    index, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Top-k (rows int64, scores float32) per query, best first, optionally only among rows where `allowed` is True.

    FAISS pads missing neighbours with id -1; they are dropped here and nowhere else.
    """
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    import faiss

    queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    approximate = isinstance(index, faiss.IndexIVF)
    params = None
    n_candidates = int(index.ntotal)
    bitmap = None
    if allowed is not None:
        allowed = np.asarray(allowed, dtype=bool)
        n_candidates = int(allowed.sum())
        if n_candidates == 0:
            return [_empty() for _ in range(queries.shape[0])]
        bitmap = np.packbits(allowed, bitorder="little")  # kept alive until the search returns
        selector = faiss.IDSelectorBitmap(allowed.shape[0], faiss.swig_ptr(bitmap))
        if approximate:
            # Visit more lists when only a share of the rows may be returned, so about as many allowed rows are seen;
            # a narrow filter thus visits every list: exact over the allowed rows' codes (measured in the bench).
            share = n_candidates / max(1, int(index.ntotal))
            params = faiss.SearchParametersIVF(sel=selector, nprobe=min(index.nlist, math.ceil(index.nprobe / share)))
        else:
            params = faiss.SearchParameters(sel=selector)
    k = min(k, n_candidates)
    if k == 0:
        return [_empty() for _ in range(queries.shape[0])]
    scores, ids = index.search(queries, k, params=params)
    del bitmap
    results = []
    for row_ids, row_scores in zip(ids, scores):
        keep = row_ids >= 0
        results.append((row_ids[keep].astype(np.int64), row_scores[keep].astype(np.float32)))
    return results
