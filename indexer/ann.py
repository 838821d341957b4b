"""The dense (FAISS) index: the one place that chooses the index type and the one place that reads its results."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import faiss


def build_dense_index(vectors: np.ndarray) -> tuple["faiss.Index", dict]:
    """Inner-product index over L2-normalised float32 vectors (row i = vector i); returns it with its description."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array (rows × dimension), got shape {vectors.shape}")
    # Exact search is cheap for archives of this size; larger archives are the performance work's choice.
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index, {"type": "IndexFlatIP", "metric": "inner_product", "n_vectors": int(index.ntotal),
                   "dimension": int(vectors.shape[1])}


def write_dense_index(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def read_dense_index(path: Path):
    import faiss

    return faiss.read_index(str(path))


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
    params = None
    n_candidates = int(index.ntotal)
    if allowed is not None:
        rows = np.flatnonzero(allowed).astype(np.int64)
        n_candidates = int(rows.size)
        if n_candidates:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows))
    k = min(k, n_candidates)
    if k == 0:
        empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
        return [empty for _ in range(queries.shape[0])]
    scores, ids = index.search(queries, k, params=params)
    results = []
    for row_ids, row_scores in zip(ids, scores):
        keep = row_ids >= 0
        results.append((row_ids[keep].astype(np.int64), row_scores[keep].astype(np.float32)))
    return results
