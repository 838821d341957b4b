"""A deterministic embedder for fast tests: hashed loose-key syllables → signed buckets, L2-normalised."""
from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

from indexer.text.vntext import key_loose

_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Texts sharing (unaccented) syllables get similar vectors, so dense search behaves plausibly in tests."""

    def __init__(self, dimension: int = 64, name: str = "fake-hash-embedder",
                 query_prefix: str = "query: ", passage_prefix: str = "passage: ") -> None:
        self.name = name
        self.dimension = dimension
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.location = None
        self.passages_encoded = 0  # how many passages went through encode_passages (tests count re-embedding)

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in _WORD.findall(key_loose(text)):
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dimension
            vector[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            vector[0] = 1.0
            return vector
        return vector / norm

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts])

    def encode_passages(self, texts: Sequence[str], progress: bool = True) -> np.ndarray:
        self.passages_encoded += len(texts)
        return self._encode([self.passage_prefix + t for t in texts])
