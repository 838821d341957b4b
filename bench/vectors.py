"""Clustered synthetic vectors fitted on real embeddings, and an embedder that hands them out per text."""
from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np

_NOISE_TABLE = 4096  # distinct noise vectors; a text picks one by hash, so vectors stay deterministic per text


def _normalise(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True).clip(1e-12)).astype(np.float32)


class VectorModel:
    """k-means on real vectors; a synthetic vector = centroid + a random mix of two residuals of that cluster
    (rescaled so mixing does not shrink them) + a little isotropic noise, L2-normalised. Never uniform noise alone."""

    def __init__(self, real: np.ndarray, clusters: int | None = None, noise: float = 0.3, seed: int = 0) -> None:
        import faiss

        real = np.ascontiguousarray(real, dtype=np.float32)
        if real.ndim != 2 or real.shape[0] < 4:
            raise ValueError(f"need at least 4 real vectors to fit the distribution, got shape {real.shape}")
        self.dimension = int(real.shape[1])
        self.clusters = int(clusters or max(2, min(256, real.shape[0] // 40)))
        km = faiss.Kmeans(self.dimension, self.clusters, niter=20, seed=seed, spherical=True, verbose=False)
        km.train(real)
        _, assign = km.index.search(real, 1)
        assign = assign.ravel()
        self.centroids = km.centroids.copy()
        self.residual = real - self.centroids[assign]
        order = np.argsort(assign, kind="stable")
        counts = np.bincount(assign, minlength=self.clusters)
        self._sorted_members = order  # member rows grouped by cluster
        self._offsets = np.concatenate([[0], np.cumsum(counts)])
        self._counts = counts
        self._cum_p = np.cumsum(counts / counts.sum())
        rng = np.random.default_rng(seed)
        self._noise = (noise * float(self.residual.std())
                       * rng.standard_normal((_NOISE_TABLE, self.dimension))).astype(np.float32)

    def _from_uniforms(self, u: np.ndarray) -> np.ndarray:
        """Vectors from an (m, 5) array of uniforms in [0, 1): cluster, member i, member j, mixing weight, noise row."""
        cluster = np.minimum(np.searchsorted(self._cum_p, u[:, 0], side="right"), self.clusters - 1)
        cluster = np.where(self._counts[cluster] > 0, cluster, np.argmax(self._counts))
        count = self._counts[cluster]
        first = self._offsets[cluster]
        pick_i = self._sorted_members[first + (u[:, 1] * count).astype(np.int64)]
        pick_j = self._sorted_members[first + (u[:, 2] * count).astype(np.int64)]
        lam = u[:, 3:4].astype(np.float32)
        mix = lam * self.residual[pick_i] + (1 - lam) * self.residual[pick_j]
        scale = np.sqrt(lam**2 + (1 - lam) ** 2)  # mixing two independent residuals shrinks them by this factor
        noise = self._noise[(u[:, 4] * _NOISE_TABLE).astype(np.int64)]
        return _normalise(self.centroids[cluster] + mix / scale + noise)

    def sample(self, n: int, seed: int = 0, step: int = 200_000) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = np.empty((n, self.dimension), dtype=np.float32)
        for lo in range(0, n, step):
            m = min(step, n - lo)
            out[lo : lo + m] = self._from_uniforms(rng.random((m, 5)))
        return out

    def for_texts(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text, a pure function of the text (same text → same vector)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        digests = b"".join(hashlib.blake2b(t.encode("utf-8"), digest_size=20).digest() for t in texts)
        words = np.frombuffer(digests, dtype=np.uint32).reshape(len(texts), 5)
        return self._from_uniforms(words / np.float64(2**32))


def distribution_stats(vectors: np.ndarray, sample: int = 2000, seed: int = 0) -> dict[str, float]:
    """Mean pairwise cosine and mean cosine to the nearest other vector on a sample (real vs synthetic check)."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(vectors.shape[0], size=min(sample, vectors.shape[0]), replace=False)
    x = vectors[idx]
    sims = x @ x.T
    np.fill_diagonal(sims, -np.inf)
    off = sims[np.isfinite(sims)]
    return {"mean_cosine": round(float(off.mean()), 4), "mean_nn_cosine": round(float(sims.max(axis=1).mean()), 4)}


class ClusteredEmbedder:
    """The Embedder protocol over VectorModel.for_texts: realistic vector geometry at hash speed, no semantics.

    Used to build 100k–1M passage indexes whose FAISS behaviour is realistic; never for quality numbers.
    """

    def __init__(self, model: VectorModel, name: str = "bench-clustered-minilm") -> None:
        self.model = model
        self.name = name
        self.dimension = model.dimension
        self.query_prefix = "query: "
        self.passage_prefix = "passage: "
        self.location = None
        self.query_seconds = 0.0  # time spent encoding queries, so the benchmark can exclude it

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        import time

        start = time.perf_counter()
        vectors = self.model.for_texts([self.query_prefix + t for t in texts])
        self.query_seconds += time.perf_counter() - start
        return vectors

    def encode_passages(self, texts: Sequence[str], progress: bool = True) -> np.ndarray:
        return self.model.for_texts([self.passage_prefix + t for t in texts])
