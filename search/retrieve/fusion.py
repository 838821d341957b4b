"""Fusion of ranked lists (lexical, dense): reciprocal rank fusion and weighted normalised scores."""
from __future__ import annotations

from typing import Sequence

import numpy as np

RRF_K = 60  # the constant of Cormack et al. (2009); larger values flatten the head of each list
DENSE_WEIGHT = 0.3  # share of the dense list; 0.2–0.3 measured best on the dev queries with the models at hand


def _merge(results: Sequence[tuple[np.ndarray, np.ndarray]], contributions: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    rows = np.concatenate([np.asarray(r, dtype=np.int64) for r, _ in results]) if results else np.empty(0, np.int64)
    if rows.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    values = np.concatenate(contributions).astype(np.float64)
    unique, inverse = np.unique(rows, return_inverse=True)
    fused = np.bincount(inverse, weights=values, minlength=unique.size)
    order = np.lexsort((unique, -fused))  # ties by row: deterministic
    return unique[order], fused[order].astype(np.float32)


def rrf(results: Sequence[tuple[np.ndarray, np.ndarray]], k: int = RRF_K,
        weights: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Reciprocal rank fusion: score(row) = Σ_lists w / (k + rank), rank 1-based; best first."""
    if k <= 0:
        raise ValueError(f"RRF constant k must be positive, got {k}")
    weights = weights or [1.0] * len(results)
    contributions = [w / (k + np.arange(1, len(rows) + 1, dtype=np.float64)) for (rows, _), w in zip(results, weights)]
    return _merge(results, contributions)


def min_max(scores: np.ndarray) -> np.ndarray:
    """Scores mapped to [0, 1] within one list (all 1.0 when the list is flat)."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size == 0:
        return scores
    low, high = float(scores.min()), float(scores.max())
    if high - low <= 1e-12:
        return np.ones_like(scores)
    return (scores - low) / (high - low)


def weighted(results: Sequence[tuple[np.ndarray, np.ndarray]],
             weights: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sum of min-max normalised scores; a row missing from a list gets 0 from it."""
    if len(weights) != len(results):
        raise ValueError(f"weighted fusion needs one weight per list: {len(results)} lists, {len(weights)} weights")
    contributions = [w * min_max(scores) for (_, scores), w in zip(results, weights)]
    return _merge(results, contributions)


def fuse(method: str, lexical: tuple[np.ndarray, np.ndarray], dense: tuple[np.ndarray, np.ndarray],
         dense_weight: float = DENSE_WEIGHT) -> tuple[np.ndarray, np.ndarray]:
    """Fuse a lexical and a dense list with method "rrf" or "weighted"."""
    if not 0.0 <= dense_weight <= 1.0:
        raise ValueError(f"dense_weight must be within [0, 1], got {dense_weight}")
    if method == "rrf":
        return rrf([lexical, dense], weights=[1.0 - dense_weight, dense_weight])
    if method == "weighted":
        return weighted([lexical, dense], [1.0 - dense_weight, dense_weight])
    raise ValueError(f"unknown fusion method {method!r}; use 'rrf' or 'weighted'")
