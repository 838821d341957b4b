"""Exact top-k over LexicalIndex postings, fast: a compiled scatter kernel and a one-pass top-k."""
from __future__ import annotations

import numpy as np

try:  # scipy's compiled CSC mat-vec: y += A[:, j] * x[j], ~1 ns per posting against ~12 ns for numpy fancy indexing
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
except ImportError:  # pragma: no cover - depends on the scipy build
    _csc_matvec = None


def scatter_add(out: np.ndarray, rows: np.ndarray, weights: np.ndarray, start: int, end: int, factor: float) -> None:
    """out[rows[start:end]] += factor * weights[start:end] (rows unique within the range)."""
    if end <= start:
        return
    if _csc_matvec is not None and rows.dtype in (np.int32, np.int64) and weights.dtype == out.dtype == np.float32:
        _csc_matvec(out.shape[0], 1, np.array([start, end], dtype=rows.dtype), rows, weights,
                    np.array([factor], dtype=np.float32), out)
    else:
        out[rows[start:end]] += weights[start:end] * np.float32(factor)


def _at_least(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows whose score is at least the k-th largest positive score (a superset of the top-k), in O(n) with one pass.

    The k-th largest value of a strided sample is a lower bound of the k-th largest value of the whole array, so
    comparing against it keeps every top-k row and, typically, a few hundred others.
    """
    stride = max(1, scores.shape[0] // 16384)
    sample = scores[::stride]
    if stride > 1 and sample.shape[0] > k:
        bound = float(np.partition(sample, sample.shape[0] - k)[sample.shape[0] - k])
        if bound > 0:
            return np.flatnonzero(scores >= bound)
    return np.flatnonzero(scores > 0)


def top_k_dense(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k rows with a positive score, best first, ties by row."""
    if mask is not None:
        scores = np.where(mask, scores, np.float32(0))
    top = _at_least(scores, k)
    if top.size > k:
        top = top[np.argpartition(-scores[top], k - 1)[:k]]
    top = top[scores[top] > 0]
    order = np.lexsort((top, -scores[top]))
    return top[order].astype(np.int64), scores[top][order].astype(np.float32)


class FastSearch:
    """LexicalIndex.search with the same results (up to float rounding), about twice as fast at 1M passages.

    Every posting of the query's terms is still scored (exact BM25), but with scipy's compiled CSC kernel instead
    of numpy fancy indexing, and the top-k comes from one comparison against a sampled lower bound of the k-th
    score instead of a partition of the whole score array. (Pruning long posting lists MaxScore-style was tried
    and measured slower here: the per-column impact bounds of common syllables are too loose to skip them.)
    """

    def __init__(self, index) -> None:
        self.index = index
        # Plain ndarray views: slicing a np.memmap goes through Python-level __getitem__/__array_finalize__.
        self.rows = np.asarray(index.rows).view(np.ndarray)
        self.weights = np.asarray(index.weights).view(np.ndarray)
        self.indptr = np.asarray(index.indptr).view(np.ndarray)

    def scores(self, query) -> np.ndarray:
        """Dense float32 BM25 score per row, as LexicalIndex.scores."""
        cols, qweights = self.index.columns(query)
        out = np.zeros(self.index.n_rows, dtype=np.float32)
        indptr = self.indptr
        for col, w in zip(cols.tolist(), qweights.tolist()):
            scatter_add(out, self.rows, self.weights, int(indptr[col]), int(indptr[col + 1]), w)
        return out

    def search(self, query, k: int, allowed_rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if k <= 0:
            raise ValueError(f"k must be positive, got {k}")
        mask = None
        if allowed_rows is not None:
            from indexer.store.lexical import _as_mask

            mask = _as_mask(allowed_rows, self.index.n_rows)
        return top_k_dense(self.scores(query), k, mask)
