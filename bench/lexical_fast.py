"""Exact top-k over LexicalIndex postings, fast: a compiled scatter kernel and MaxScore-style pruning of long lists."""
from __future__ import annotations

import numpy as np

try:  # scipy's compiled CSC mat-vec: y += A[:, j] * x[j], ~1 ns per posting against ~12 ns for numpy fancy indexing
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
except ImportError:  # pragma: no cover - depends on the scipy build
    _csc_matvec = None


def column_max(weights: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Largest BM25 weight of each posting column (the impact upper bound used for pruning)."""
    lengths = np.diff(np.asarray(indptr))
    if weights.shape[0] == 0:
        return np.zeros(lengths.shape[0], dtype=np.float32)
    starts = np.minimum(np.asarray(indptr[:-1], dtype=np.int64), weights.shape[0] - 1)
    out = np.maximum.reduceat(np.asarray(weights), starts)
    out[lengths == 0] = 0.0
    return out.astype(np.float32)


def scatter_add(out: np.ndarray, rows: np.ndarray, weights: np.ndarray, start: int, end: int, factor: float) -> None:
    """out[rows[start:end]] += factor * weights[start:end] (rows unique within the range)."""
    if end <= start:
        return
    if _csc_matvec is not None and rows.dtype in (np.int32, np.int64) and weights.dtype == out.dtype == np.float32:
        _csc_matvec(out.shape[0], 1, np.array([start, end], dtype=rows.dtype), rows, weights,
                    np.array([factor], dtype=np.float32), out)
    else:
        out[rows[start:end]] += weights[start:end] * np.float32(factor)


def top_k_dense(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k rows with a positive score, best first, ties by row."""
    if mask is not None:
        scores = np.where(mask, scores, np.float32(0))
    n = scores.shape[0]
    top = np.argpartition(scores, n - k)[n - k:] if n > k else np.arange(n)
    top = top[scores[top] > 0]
    order = np.lexsort((top, -scores[top]))
    return top[order].astype(np.int64), scores[top][order].astype(np.float32)


class FastSearch:
    """LexicalIndex.search with the same results (up to float rounding), much less work per query.

    Terms are ordered by their impact bound (query weight × largest posting weight in the column). The
    highest-bound terms ("essential") are scored into a dense array with the compiled kernel. A row that matches
    none of them scores at most `rest`, the sum of the other terms' bounds; once the k-th best candidate score
    beats `rest`, only the candidates can make the top-k, and the remaining (long, common-word) posting lists are
    merely probed for those candidates by binary search, dropping candidates that can no longer reach the top-k.
    """

    def __init__(self, index, colmax: np.ndarray | None = None, first_share: float = 0.05) -> None:
        self.index = index
        # Plain ndarray views: slicing a np.memmap goes through Python-level __getitem__/__array_finalize__.
        self.rows = np.asarray(index.rows).view(np.ndarray)
        self.weights = np.asarray(index.weights).view(np.ndarray)
        self.indptr = np.asarray(index.indptr).view(np.ndarray)
        self.colmax = column_max(self.weights, self.indptr) if colmax is None else colmax
        self.lengths = np.diff(self.indptr)
        # postings scored before the first check, as a share of the rows (the check needs a k-th score to compare)
        self.first_budget = max(1000, int(first_share * index.n_rows))
        self.last_path = ""

    def search(self, query, k: int, allowed_rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if k <= 0:
            raise ValueError(f"k must be positive, got {k}")
        index = self.index
        cols, qweights = index.columns(query)
        if cols.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        mask = None
        if allowed_rows is not None:
            from indexer.lexical import _as_mask

            mask = _as_mask(allowed_rows, index.n_rows)
        bounds = (qweights * self.colmax[cols]).astype(np.float64)
        order = np.argsort(-bounds, kind="stable")
        cols, qweights, bounds = cols[order], qweights[order], bounds[order]
        total = cols.size
        rest = np.concatenate([np.cumsum(bounds[::-1])[::-1], [0.0]])  # rest[j]: bound of terms j, j+1, …
        cum_len = np.cumsum(self.lengths[cols])
        dense = np.zeros(index.n_rows, dtype=np.float32)
        j = min(total, max(1, int(np.searchsorted(cum_len, self.first_budget, side="right"))))
        self._scatter(dense, cols[:j], qweights[:j])
        cand = self._candidates(dense, mask)
        while j < total:
            if cand.size >= k:
                floor = float(np.partition(dense[cand], cand.size - k)[cand.size - k])
                need = int(np.searchsorted(-rest, -floor, side="right"))  # first j with rest[j] < floor
                if need <= j:
                    break
            else:
                need = min(total, 2 * j)  # too few candidates to bound anything yet: widen
            self._scatter(dense, cols[j:need], qweights[j:need])
            j = need
            cand = self._candidates(dense, mask)
        self.last_path = "pruned" if j < total else "exhaustive"
        return self._complete(cand, dense[cand], cols[j:], qweights[j:], rest[j:], k)

    def _scatter(self, dense: np.ndarray, cols: np.ndarray, qweights: np.ndarray) -> None:
        indptr = self.indptr
        for col, w in zip(cols.tolist(), qweights.tolist()):
            scatter_add(dense, self.rows, self.weights, int(indptr[col]), int(indptr[col + 1]), w)

    @staticmethod
    def _candidates(dense: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        cand = np.flatnonzero(dense)
        return cand if mask is None else cand[mask[cand]]

    def _complete(self, cand: np.ndarray, score: np.ndarray, cols: np.ndarray, qweights: np.ndarray,
                  rest: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Add the remaining terms to the candidates, dropping those that can no longer reach the top-k."""
        indptr = self.indptr
        for t in range(cols.size):
            if cand.size > k:
                floor = np.partition(score, cand.size - k)[cand.size - k]
                keep = score + np.float32(rest[t]) >= floor
                cand, score = cand[keep], score[keep]
            a, b = int(indptr[cols[t]]), int(indptr[cols[t] + 1])
            posting = self.rows[a:b]
            pos = np.minimum(np.searchsorted(posting, cand), b - a - 1)
            hit = posting[pos] == cand
            score[hit] += self.weights[a + pos[hit]] * np.float32(qweights[t])
        if cand.size > k:
            part = np.argpartition(-score, k - 1)[:k]
            cand, score = cand[part], score[part]
        order = np.lexsort((cand, -score))
        return cand[order].astype(np.int64), score[order].astype(np.float32)
