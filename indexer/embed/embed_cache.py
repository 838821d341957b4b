"""Passage vectors kept in SQLite by (model, prefix, text hash), so only new or changed chunk texts are embedded.

The cache lives beside the generations (index_dir/embeddings.sqlite), not inside one: a build that is killed
while embedding keeps what it already computed, and the next build resumes from there. Only builds (under the
index lock) write it; readers never need it (the FAISS file of a generation holds its vectors).
"""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

CACHE_FILE = "embeddings.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL, prefix TEXT NOT NULL, text_hash TEXT NOT NULL, dimension INTEGER NOT NULL,
    vector BLOB NOT NULL,  -- float32, little-endian, L2-normalised
    PRIMARY KEY (model, prefix, text_hash)) WITHOUT ROWID;
"""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.conn = sqlite3.connect(str(self.path))
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def get_many(self, model: str, prefix: str, hashes: Sequence[str], dimension: int) -> dict[str, np.ndarray]:
        """The cached vectors among `hashes` (vectors of another dimension are ignored)."""
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND prefix = ? AND dimension = ? "
                f"AND text_hash IN ({marks})", (model, prefix, dimension, *part))
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype="<f4")
        return found

    def missing(self, model: str, prefix: str, hashes: Iterable[str], dimension: int) -> list[str]:
        unique = list(dict.fromkeys(hashes))
        have = set()
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT text_hash FROM embeddings WHERE model = ? AND prefix = ? AND dimension = ? "
                f"AND text_hash IN ({marks})", (model, prefix, dimension, *part))
            have.update(key for (key,) in rows)
        return [h for h in unique if h not in have]

    def put_many(self, model: str, prefix: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Store and commit at once: whatever was embedded survives a kill of the build."""
        vectors = np.ascontiguousarray(vectors, dtype="<f4")
        rows = [(model, prefix, key, int(vectors.shape[1]), vectors[i].tobytes()) for i, key in enumerate(hashes)]
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model, prefix, text_hash, dimension, vector) VALUES (?, ?, ?, ?, ?)",
                rows)

    def matrix(self, model: str, prefix: str, hashes: Sequence[str], dimension: int) -> np.ndarray:
        """Vectors for `hashes` in that order (rows of the dense index); every hash must be cached."""
        out = np.empty((len(hashes), dimension), dtype=np.float32)
        positions: dict[str, list[int]] = {}
        for i, key in enumerate(hashes):
            positions.setdefault(key, []).append(i)
        keys = list(positions)
        for start in range(0, len(keys), 5000):
            found = self.get_many(model, prefix, keys[start : start + 5000], dimension)
            for key, vector in found.items():
                out[positions[key]] = vector
            absent = [k for k in keys[start : start + 5000] if k not in found]
            if absent:
                raise KeyError(f"{len(absent)} passage vectors missing from the embedding cache (e.g. {absent[0]})")
        return out

    def prune(self, keep_db: Path) -> int:
        """Drop vectors of texts no chunk in the generation at keep_db uses (any model); returns how many went."""
        self.conn.execute("ATTACH DATABASE ? AS gen", (str(keep_db),))
        try:
            with self.conn:
                cursor = self.conn.execute(
                    "DELETE FROM embeddings WHERE text_hash NOT IN (SELECT text_hash FROM gen.chunks)")
                removed = cursor.rowcount
        finally:
            self.conn.execute("DETACH DATABASE gen")
        return removed
