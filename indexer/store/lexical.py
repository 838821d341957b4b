"""The lexical index: BM25 over exact / tone-insensitive / loose syllable keys, unigrams and adjacent bigrams."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from indexer.errors import IndexMismatch, IndexMissing

try:  # compiled scatter-add over one posting column (scipy's sparse mat-vec kernel)
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
except ImportError:  # scipy builds without the private module fall back to numpy
    _csc_matvec = None
from indexer.store.lexical_keys import ID_BITS, JOINING_GAP, LAYERS, _exact_key, key_triple
from indexer.store.scoring.bm25 import as_mask as _as_mask, candidates as _candidates, top_k as _top_k
from indexer.text.vntext import compound_tokenize, tokenize

FORMAT_VERSION = 2
LEXICAL_DIR = "lexical"  # the folder inside an index generation that save()/load() use
_LAYER_CODE = {name: code for code, name in enumerate(LAYERS)}
_BATCH = 8192
QUERY_CACHE = 8192  # queries whose posting columns (and proximity tables) an index keeps
_LANGUAGE_ARRAYS = ("exact_freq", "bigram_keys", "bigram_freq")
_SURFACES_FILE = "surfaces.json"
_FILES = ("term_keys", "indptr", "rows", "weights", "doc_len", "exact_to_tone", "exact_to_loose", "tone_to_loose")


@dataclass(frozen=True)
class LexicalParams:
    """BM25 parameters and which key layers carry unigram and bigram postings."""

    k1: float = 1.2
    b: float = 0.75
    # Measured on the dev queries: exact + loose unigrams with loose bigrams rank as well as all five
    # combinations and need 40 % fewer postings; terms of other layers fold into these at query time.
    unigram_layers: tuple[str, ...] = ("exact", "loose")
    bigram_layers: tuple[str, ...] = ("loose",)
    compounds: bool = True  # whole identifiers ("80/kh-ubnd", "10/5/2023") as extra unigram terms

    def __post_init__(self) -> None:
        unknown = set(self.unigram_layers) | set(self.bigram_layers)
        unknown -= set(LAYERS)
        if unknown:
            raise ValueError(f"unknown key layer(s) {sorted(unknown)}; use any of {LAYERS}")
        if self.k1 < 0 or not 0.0 <= self.b <= 1.0:
            raise ValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got k1={self.k1}, b={self.b}")


@dataclass(frozen=True)
class Token:
    """One syllable (or whole identifier) of a text with its three keys; `joined` = forms a bigram with the previous token."""

    start: int
    end: int
    exact: str
    tone: str
    loose: str
    joined: bool
    compound: bool = False

    def key(self, layer: str) -> str:
        return getattr(self, layer)


@dataclass(frozen=True)
class QueryTerm:
    """A term to look up: its syllable keys in `layer` form (one = unigram, two = bigram) and its weight."""

    layer: str
    keys: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class LexicalQuery:
    """A weighted bag of terms; the score of a row is the sum of weight × BM25 weight of each matching term."""

    terms: tuple[QueryTerm, ...]


def exact_key(token: str) -> str:
    """Accent-exact key: case-folded, tone mark moved to a digit after each syllable so that hòa = hoà ≠ hóa.

    Old and new tone placement (hòa/hoà, thủy/thuỷ) give the same key; a different tone or hat does not.
    """
    return _exact_key(token)


def analyze(text: str, compounds: bool = True) -> list[Token]:
    """The tokens of a text as the index sees them; queries and highlighting use the same function."""
    tokens: list[Token] = []
    previous_end: int | None = None
    for start, end in tokenize(text):
        exact, tone, loose = key_triple(text[start:end])
        joined = previous_end is not None and JOINING_GAP.fullmatch(text[previous_end:start]) is not None
        tokens.append(Token(start, end, exact, tone, loose, joined))
        previous_end = end
    if compounds:
        for start, end in compound_tokenize(text):
            exact, tone, loose = key_triple(text[start:end])
            tokens.append(Token(start, end, exact, tone, loose, False, compound=True))
    return tokens


def _term_key(layer: int, first: int, second: int | None) -> int:
    if second is None:
        return (layer << 62) | (first << ID_BITS)
    return (layer << 62) | (1 << 61) | (first << ID_BITS) | second


class LexicalIndex:
    """BM25 with precomputed per-posting weights in a term → rows (CSC-like) layout; memory-mappable plain files.

    Rows are 0-based and follow the order of the texts given to build() (the store's chunk row order).
    """

    def __init__(
        self,
        params: LexicalParams,
        vocab: dict[str, list[str]],
        term_keys: np.ndarray,
        indptr: np.ndarray,
        rows: np.ndarray,
        weights: np.ndarray,
        doc_len: np.ndarray,
        avgdl: float,
        exact_to_tone: np.ndarray | None = None,
        exact_to_loose: np.ndarray | None = None,
        tone_to_loose: np.ndarray | None = None,
    ) -> None:
        self.params = params
        self.vocab = vocab  # layer → syllable keys; the id of a key is its position
        self._ids = {layer: {key: i for i, key in enumerate(keys)} for layer, keys in vocab.items()}
        # Plain ndarray views (np.asarray keeps a memory map's pages, without np.memmap's per-slice overhead).
        self.term_keys = np.asarray(term_keys)  # uint64, sorted; column j of the posting matrix
        self.indptr = np.asarray(indptr)  # int64, len = n_terms + 1
        self.rows = np.asarray(rows)  # int32, rows of each column, ascending within a column
        self.weights = np.asarray(weights)  # float32, BM25 weight of (term, row)
        self.doc_len = np.asarray(doc_len)  # int32, syllables per row
        self.avgdl = avgdl
        # Id maps between layers (a key determines its coarser keys), to fold terms of layers not carried.
        empty = np.zeros(0, dtype=np.int32)
        self.exact_to_tone = exact_to_tone if exact_to_tone is not None else empty
        self.exact_to_loose = exact_to_loose if exact_to_loose is not None else empty
        self.tone_to_loose = tone_to_loose if tone_to_loose is not None else empty
        # Word statistics for restoring the diacritics of unaccented queries (LexicalBuilder.language_stats):
        # {"exact_freq", "bigram_keys", "bigram_freq", "surfaces"} or None.
        self.language: dict | None = None
        # Token positions of each row's passage (indexer.store.lexical_positions), when the index has them
        # (IndexReader.lexical attaches them).
        self.positions = None
        # Per-query work that depends only on the query and this index (posting columns, proximity tables),
        # keyed by a (kind, query) tuple; cleared when it grows past QUERY_CACHE entries.
        self.query_cache: dict = {}

    def cached(self, key, compute):
        """compute() once per key for this index (thread-safe enough: a race computes the same value twice)."""
        value = self.query_cache.get(key)
        if value is None:
            value = compute()
            if len(self.query_cache) >= QUERY_CACHE:
                self.query_cache.clear()
            self.query_cache[key] = value
        return value

    @property
    def n_rows(self) -> int:
        return int(self.doc_len.shape[0])

    @property
    def n_terms(self) -> int:
        return int(self.term_keys.shape[0])

    # ---- build -------------------------------------------------------------------------------------------

    @classmethod
    def build(cls, texts: Sequence[str], params: LexicalParams = LexicalParams()) -> "LexicalIndex":
        """Index texts; row i is texts[i]."""
        from indexer.store.lexical_build import LexicalBuilder

        builder = LexicalBuilder(params)
        for start in range(0, len(texts), _BATCH):
            builder.add_batch(texts[start : start + _BATCH], start)
        arrays, folds = builder.finish()
        index = LexicalIndex(*arrays, **folds)
        index.language = builder.language_stats()
        return index

    # ---- persistence -------------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write lexical.json (format, params, vocabulary) and one .npy per array (no pickle)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name in _FILES:
            np.save(directory / f"{name}.npy", np.ascontiguousarray(getattr(self, name)), allow_pickle=False)
        meta = {
            "format_version": FORMAT_VERSION,
            "params": asdict(self.params),
            "n_rows": self.n_rows,
            "n_terms": self.n_terms,
            "avgdl": self.avgdl,
            "vocab": self.vocab,
        }
        with open(directory / "lexical.json", "w", encoding="utf-8") as handle:
            json.dump(meta, handle, ensure_ascii=False)
        if self.language is not None:
            for name in _LANGUAGE_ARRAYS:
                np.save(directory / f"{name}.npy", np.ascontiguousarray(self.language[name]), allow_pickle=False)
            with open(directory / _SURFACES_FILE, "w", encoding="utf-8") as handle:
                json.dump(self.language["surfaces"], handle, ensure_ascii=False)

    @classmethod
    def load(cls, directory: Path, mmap: bool = True) -> "LexicalIndex":
        """Open a saved index; arrays are memory-mapped read-only unless mmap=False."""
        directory = Path(directory)
        meta_path = directory / "lexical.json"
        if not meta_path.is_file():
            raise IndexMissing(f"Không tìm thấy chỉ mục từ vựng tại {directory}. Hãy chạy lại `tracuu index`.")
        with open(meta_path, encoding="utf-8") as handle:
            meta = json.load(handle)
        if meta.get("format_version") != FORMAT_VERSION:
            raise IndexMismatch(
                f"Chỉ mục từ vựng có định dạng {meta.get('format_version')}, phiên bản này cần {FORMAT_VERSION}. "
                "Hãy xóa thư mục chỉ mục và chạy lại `tracuu index`."
            )
        raw = meta["params"]
        params = LexicalParams(
            k1=raw["k1"], b=raw["b"], unigram_layers=tuple(raw["unigram_layers"]),
            bigram_layers=tuple(raw["bigram_layers"]), compounds=raw["compounds"],
        )
        arrays = {name: np.load(directory / f"{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
                  for name in _FILES}
        index = cls(params, meta["vocab"], avgdl=float(meta["avgdl"]), **arrays)
        if (directory / _SURFACES_FILE).is_file():  # indexes built before restoration statistics have none
            index.language = {name: np.load(directory / f"{name}.npy", mmap_mode="r" if mmap else None,
                                            allow_pickle=False) for name in _LANGUAGE_ARRAYS}
            with open(directory / _SURFACES_FILE, encoding="utf-8") as handle:
                index.language["surfaces"] = json.load(handle)
        return index

    # ---- search ------------------------------------------------------------------------------------------

    def _term_key(self, layer: str, keys: tuple[str, ...]) -> int | None:
        """The term key of (layer, keys); a layer this index does not carry for that n-gram size is folded into the
        next coarser one it does carry (exact → tone → loose), so one query fits indexes built with any layers."""
        if len(keys) not in (1, 2) or layer not in _LAYER_CODE:
            return None
        layer_ids = self._ids[layer]
        ids = [layer_ids.get(k) for k in keys]
        if any(i is None for i in ids):
            return None
        carried = self.params.unigram_layers if len(keys) == 1 else self.params.bigram_layers
        while layer not in carried:
            if layer == "loose":
                return None
            fold = self.exact_to_tone if layer == "exact" else self.tone_to_loose
            layer = "tone" if layer == "exact" else "loose"
            ids = [int(fold[i]) for i in ids]
        return _term_key(_LAYER_CODE[layer], ids[0], ids[1] if len(ids) == 2 else None)

    def _find_columns(self, keys: np.ndarray) -> np.ndarray:
        """Column of each term key, -1 where the index has no such term."""
        pos = np.searchsorted(self.term_keys, keys)
        clipped = np.minimum(pos, max(self.n_terms - 1, 0))
        found = (pos < self.n_terms) & (np.asarray(self.term_keys[clipped]) == keys) if self.n_terms else pos < 0
        return np.where(found, pos, -1).astype(np.int64)

    def columns(self, query: LexicalQuery) -> tuple[np.ndarray, np.ndarray]:
        """The posting columns of the query terms that exist in the index, with their summed query weights (cached
        per query: callers must not modify the arrays)."""
        # Keyed by identity (the Searcher's cached understanding hands back the same query object; hashing its terms
        # costs more than looking them up), the query kept in the value so that its id cannot be reused meanwhile.
        held, result = self.cached(("columns", id(query)), lambda: (query, self._columns(query)))
        return result if held is query else self._columns(query)

    def _columns(self, query: LexicalQuery) -> tuple[np.ndarray, np.ndarray]:
        keys: dict[int, float] = {}
        for term in query.terms:
            key = self._term_key(term.layer, term.keys)
            if key is not None:
                keys[key] = keys.get(key, 0.0) + term.weight
        if not keys:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        wanted = np.fromiter(keys.keys(), dtype=np.uint64, count=len(keys))
        weights = np.fromiter(keys.values(), dtype=np.float32, count=len(keys))
        cols = self._find_columns(wanted)
        return cols[cols >= 0], weights[cols >= 0]

    def idf(self, terms: Sequence[tuple[str, tuple[str, ...]]]) -> np.ndarray:
        """BM25 IDF of each (layer, keys) term; 0.0 for terms absent from the index."""
        keys = [self._term_key(layer, keys) for layer, keys in terms]
        out = np.zeros(len(keys), dtype=np.float64)
        present = [i for i, key in enumerate(keys) if key is not None]
        if not present:
            return out
        cols = self._find_columns(np.asarray([keys[i] for i in present], dtype=np.uint64))
        for i, col in zip(present, cols.tolist()):
            if col >= 0:
                df = float(self.indptr[col + 1] - self.indptr[col])
                out[i] = np.log1p((self.n_rows - df + 0.5) / (df + 0.5))
        return out

    def scores(self, query: LexicalQuery) -> np.ndarray:
        """Dense float32 score per row (0 for rows that match no term): exhaustive BM25."""
        if _csc_matvec is None or self.weights.dtype != np.float32:
            return self._scatter(*self.columns(query))
        held, plan = self.cached(("plan", id(query)), lambda: (query, self._plan(query)))
        if held is not query:
            plan = self._plan(query)
        scores = np.zeros(self.n_rows, dtype=np.float32)
        for bounds, factor in plan:
            # scipy's CSC mat-vec on one column: scores += factor × weights[start:end] at rows[start:end]
            _csc_matvec(self.n_rows, 1, bounds, self.rows, self.weights, factor, scores)
        return scores

    def _plan(self, query: LexicalQuery) -> list[tuple[np.ndarray, np.ndarray]]:
        """The compiled kernel's arguments per non-empty posting column of the query: ([start, end], [weight])."""
        cols, qweights = self.columns(query)
        plan = []
        for col, qw in zip(cols.tolist(), qweights.tolist()):
            start, end = int(self.indptr[col]), int(self.indptr[col + 1])
            if end > start:
                plan.append((np.array([start, end], dtype=self.rows.dtype), np.array([qw], dtype=np.float32)))
        return plan

    def _scatter(self, cols: np.ndarray, qweights: np.ndarray) -> np.ndarray:
        scores = np.zeros(self.n_rows, dtype=np.float32)
        indptr = self.indptr
        compiled = _csc_matvec is not None and self.weights.dtype == np.float32
        for col, qw in zip(cols.tolist(), qweights.tolist()):
            start, end = int(indptr[col]), int(indptr[col + 1])
            if end <= start:
                continue
            if compiled:
                # scipy's CSC mat-vec on one column: scores += qw × weights[start:end] at rows[start:end],
                # about ten times faster than numpy fancy indexing (bench/lexical_fast.py measured it).
                _csc_matvec(self.n_rows, 1, np.array([start, end], dtype=self.rows.dtype), self.rows, self.weights,
                            np.array([qw], dtype=np.float32), scores)
            else:
                # Rows are unique within a column, so a fancy-indexed add accumulates correctly.
                scores[self.rows[start:end]] += self.weights[start:end] * np.float32(qw)
        return scores

    def search(
        self, query: LexicalQuery, k: int, allowed_rows: np.ndarray | None = None, boost: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows (int64) and scores (float32), best first; only rows with a positive score (exhaustive BM25).

        allowed_rows: None for all rows, else a boolean mask of length n_rows or an array of row ids.
        boost: float32 [n_rows] added to the BM25 scores first (another field's score, e.g. the document context).
        """
        if k <= 0:
            raise ValueError(f"k must be positive, got {k}")
        scores = self.scores(query)
        if boost is not None:
            scores += boost
        if allowed_rows is not None:
            scores[~_as_mask(allowed_rows, self.n_rows)] = 0.0
        candidates = _candidates(scores, k)
        return _top_k(candidates, scores[candidates], k)
