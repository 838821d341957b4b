"""Token positions of every passage, computed once at index time, for proximity and highlighting without re-reading text.

Two memory-mapped arrays beside the lexical index (same folder, same row order):

- `pos_indptr.npy` int64 [n_rows + 1]: the tokens of row r are `pos_tokens[pos_indptr[r]:pos_indptr[r + 1]]`;
- `pos_tokens.npy` uint32 [total tokens]: per token of the PASSAGE text (not the context field; the tokens
  `lexical_build.scan` finds, in text order) its surface id (the token as written), with bit 31 set when
  the token forms a bigram with the previous one (a joining gap: spaces or one of "/-.") and bit 30 set when that
  gap is spaces or tabs only (highlights merge such neighbours). The first token of a
  row never joins;
- `pos_surfaces.npy` int32 [n_surfaces, 3]: per surface id, its exact, tone and loose ids in the lexical
  vocabulary (-1 when absent). Stored per surface, not derived from the exact id: exact keys can collide across
  spellings ("dùng" and a literal "dung2" are both `dung2`), so the exact → tone/loose folds are not functions;
- `pos_starts.npy` uint16 (uint32 when a passage is longer than 65,535 characters) [total tokens]: the character
  offset of each token in its passage text, for highlights (a token ends where `TOKEN` stops matching).
"""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Iterable

import numpy as np

from indexer.store.lexical_build import scan
from indexer.store.lexical_keys import JOINING_GAP, LAYERS, key_triple

INDPTR_FILE = "pos_indptr.npy"
TOKENS_FILE = "pos_tokens.npy"
STARTS_FILE = "pos_starts.npy"
# One token of lexical_build.scan, matched from its first character.
TOKEN = re.compile(r"[^\W_][^\W_\u0300-\u036f]*(?:[\u0300-\u036f][^\W_\u0300-\u036f]*)*")
JOINED_BIT = np.uint32(1 << 31)
SPACED_BIT = np.uint32(1 << 30)
ID_MASK = np.uint32((1 << 30) - 1)  # surface ids have at most 30 bits
SURFACES_FILE = "pos_surfaces.npy"
_BATCH = 4096
_DB_FILE = "tracuu.sqlite"  # indexer.store.reader.DB_FILE (reader imports this module's importer: no import back)


class _Ids(dict):
    """Token as written → surface id, registering its (exact, tone, loose) vocabulary ids on first sight."""

    def __init__(self, layer_ids: list[dict[str, int]]) -> None:
        super().__init__()
        self.layer_ids = layer_ids
        self.keys: list[tuple[int, int, int]] = []

    def __missing__(self, token: str) -> int:
        value = self[token] = len(self.keys)
        self.keys.append(tuple(ids.get(key, -1) for ids, key in zip(self.layer_ids, key_triple(token))))
        return value


class _Joins(dict):
    """Gap → its flag bits (JOINED_BIT, plus SPACED_BIT for spaces and tabs)."""

    def __missing__(self, gap: str) -> int:
        joined = JOINING_GAP.fullmatch(gap) is not None
        value = self[gap] = int(JOINED_BIT) | (int(SPACED_BIT) if gap.strip() == "" else 0) if joined else 0
        return value


class PassagePositions:
    """Per-row token arrays (see the module docstring); rows follow the lexical index's rows."""

    def __init__(self, indptr: np.ndarray, tokens: np.ndarray, starts: np.ndarray, surfaces: np.ndarray) -> None:
        self.indptr = np.asarray(indptr)
        self.tokens = np.asarray(tokens)
        self.starts = np.asarray(starts)
        self.surfaces = np.asarray(surfaces)

    @property
    def n_rows(self) -> int:
        return int(self.indptr.shape[0]) - 1

    @classmethod
    def build(cls, lexical, passages: Iterable[str]) -> "PassagePositions":
        """Token arrays of `passages` (row order) against `lexical`'s vocabulary (a LexicalIndex)."""
        ids = _Ids([lexical._ids[layer] for layer in LAYERS])
        joins = _Joins()
        lengths: list[int] = []
        parts: list[np.ndarray] = []
        start_parts: list[np.ndarray] = []
        batch_tokens: list[str] = []
        batch_gaps: list[str] = []
        firsts: list[int] = []
        counts: list[int] = []

        def flush() -> None:
            if not batch_tokens:
                return
            out = np.fromiter(map(ids.__getitem__, batch_tokens), dtype=np.uint32, count=len(batch_tokens))
            flags = np.fromiter(map(joins.__getitem__, batch_gaps), dtype=np.uint32, count=len(batch_gaps))
            flags[np.asarray(firsts, dtype=np.int64)] = 0  # nothing joins across passages
            out |= flags
            parts.append(out)
            # character offsets: running length of gaps and tokens, less the length before each text's first gap
            token_len = np.fromiter(map(len, batch_tokens), dtype=np.int64, count=len(batch_tokens))
            ends = np.cumsum(np.fromiter(map(len, batch_gaps), dtype=np.int64, count=len(batch_gaps)) + token_len)
            starts = ends - token_len
            first = np.asarray(firsts, dtype=np.int64)
            base = np.where(first > 0, ends[np.maximum(first - 1, 0)], 0)
            start_parts.append(starts - np.repeat(base, counts))
            batch_tokens.clear()
            batch_gaps.clear()
            firsts.clear()
            counts.clear()

        for text in passages:
            gaps, tokens = scan(text)
            lengths.append(len(tokens))
            if tokens:
                firsts.append(len(batch_tokens))
                counts.append(len(tokens))
                batch_tokens.extend(tokens)
                batch_gaps.extend(gaps)
            if len(batch_tokens) >= _BATCH * 64:
                flush()
        flush()
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(np.asarray(lengths, dtype=np.int64), out=indptr[1:])
        tokens = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
        starts = np.concatenate(start_parts) if start_parts else np.zeros(0, dtype=np.int64)
        wide = starts.size and int(starts.max()) > np.iinfo(np.uint16).max
        surfaces = np.asarray(ids.keys, dtype=np.int32).reshape(-1, len(LAYERS))
        return cls(indptr, tokens, starts.astype(np.uint32 if wide else np.uint16), surfaces)

    def save(self, directory: Path) -> None:
        """Write pos_indptr.npy and pos_tokens.npy into `directory` (the lexical index's folder)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / INDPTR_FILE, np.ascontiguousarray(self.indptr), allow_pickle=False)
        np.save(directory / TOKENS_FILE, np.ascontiguousarray(self.tokens), allow_pickle=False)
        np.save(directory / STARTS_FILE, np.ascontiguousarray(self.starts), allow_pickle=False)
        np.save(directory / SURFACES_FILE, np.ascontiguousarray(self.surfaces), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, n_rows: int, mmap: bool = True) -> "PassagePositions | None":
        """The positions saved in `directory`, or None when there are none (indexes built before them) or they do
        not cover `n_rows` rows (then proximity and highlighting read the passage texts instead)."""
        directory = Path(directory)
        if not all((directory / name).is_file() for name in (INDPTR_FILE, TOKENS_FILE, STARTS_FILE, SURFACES_FILE)):
            return None
        mode = "r" if mmap else None
        indptr = np.load(directory / INDPTR_FILE, mmap_mode=mode, allow_pickle=False)
        if indptr.shape[0] != n_rows + 1:
            return None
        return cls(indptr, np.load(directory / TOKENS_FILE, mmap_mode=mode, allow_pickle=False),
                   np.load(directory / STARTS_FILE, mmap_mode=mode, allow_pickle=False),
                   np.load(directory / SURFACES_FILE, allow_pickle=False))

    def gather(self, rows: np.ndarray, with_starts: bool = False):
        """(surface ids int64, joined bool, offsets int64 [len(rows) + 1]) of the given rows' tokens, concatenated
        (tokens of rows[i] at offsets[i]:offsets[i + 1]); with_starts: and their character offsets (int64) and
        whether each joins the previous token across spaces only (bool)."""
        rows = np.asarray(rows, dtype=np.int64)
        starts = self.indptr[rows]
        ends = self.indptr[rows + 1]
        lengths = ends - starts
        offsets = np.zeros(rows.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        total = int(offsets[-1])
        # index of every wanted token: start of its row + position inside the row
        index = np.arange(total, dtype=np.int64) + np.repeat(starts - offsets[:-1], lengths)
        raw = self.tokens[index]
        out = ((raw & ID_MASK).astype(np.int64), (raw & JOINED_BIT) != 0, offsets)
        return out + (self.starts[index].astype(np.int64), (raw & SPACED_BIT) != 0) if with_starts else out


def passage_texts(conn: sqlite3.Connection, batch: int = 10_000) -> Iterable[str]:
    """The passage text (without its context) of every chunk row of an index database, in row order."""
    (n,) = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()
    for start in range(0, int(n), batch):
        for (text,) in conn.execute('SELECT text FROM chunks WHERE "row" >= ? AND "row" < ? ORDER BY "row"',
                                    (start, start + batch)):
            yield text


def write_positions(lexical, conn: sqlite3.Connection, directory: Path) -> PassagePositions:
    """Build the positions of every chunk row of `conn` against `lexical` and save them in `directory`."""
    positions = PassagePositions.build(lexical, passage_texts(conn))
    if positions.n_rows != lexical.n_rows:
        raise ValueError(f"{positions.n_rows} passages for a lexical index of {lexical.n_rows} rows")
    positions.save(directory)
    return positions


def add_to_index(index_dir: Path) -> PassagePositions:
    """Add token positions to the live generation of an index built without them (nothing else changes)."""
    from indexer.store.generations import current_generation
    from indexer.store.lexical import LEXICAL_DIR, LexicalIndex

    generation = current_generation(Path(index_dir))
    if generation is None:
        raise FileNotFoundError(f"no live index generation in {index_dir}")
    lexical = LexicalIndex.load(generation / LEXICAL_DIR)
    conn = sqlite3.connect(f"file:{generation / _DB_FILE}?mode=ro", uri=True)
    try:
        return write_positions(lexical, conn, generation / LEXICAL_DIR)
    finally:
        conn.close()


if __name__ == "__main__":  # python -m indexer.store.lexical_positions INDEX_DIR
    import sys

    done = add_to_index(Path(sys.argv[1]))
    print(f"{done.n_rows} đoạn, {done.tokens.shape[0]} từ")


def load_lexical(directory: Path, n_rows: int, check=None):
    """The LexicalIndex saved in `directory` with its positions attached (None when it has none); `check(index)`,
    when given, runs before the positions are read (IndexReader passes its shape check). Errors: OSError,
    ValueError, KeyError, TypeError, IndexMissing for missing or damaged files."""
    from indexer.store.lexical import LexicalIndex

    lexical = LexicalIndex.load(Path(directory))
    if check is not None:
        check(lexical, n_rows)
    lexical.positions = PassagePositions.load(Path(directory), lexical.n_rows)
    return lexical
