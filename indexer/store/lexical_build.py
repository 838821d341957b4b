"""Building the lexical index: texts → syllable ids per key layer → (term, row, tf) postings → BM25 weights."""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from indexer.store.lexical_keys import ID_BITS, JOINING_GAP, LAYERS, key_triple
from indexer.text.vntext import compound_tokenize

# The same tokens as vntext.tokenize, each with the gap before it, in one C-level pass per text.
_SCAN = re.compile(r"([\W_]*)([^\W_][^\W_\u0300-\u036f]*(?:[\u0300-\u036f][^\W_\u0300-\u036f]*)*)")
# Faster still when no stray combining mark can sit inside a token (NFC text almost never has one).
_GAPS = re.compile(r"([\W_]+)")
_COMBINING = re.compile(r"[\u0300-\u036f]")


def scan(text: str) -> tuple[list[str], list[str]]:
    """(gaps, tokens): tokens as vntext.tokenize finds them, gaps[i] = the text just before tokens[i]."""
    if _COMBINING.search(text):
        pairs = _SCAN.findall(text)
        return [g for g, _ in pairs], [t for _, t in pairs]
    parts = _GAPS.split(text)
    tokens = parts[0::2]
    gaps = [""] + parts[1::2]
    if tokens and tokens[-1] == "":
        tokens.pop()
        gaps.pop()
    if tokens and tokens[0] == "":
        del tokens[0]
        del gaps[0]
    return gaps, tokens
STATS_ROWS = 200_000  # rows whose words feed the restoration statistics
_WEIGHT_CHUNK = 1 << 24  # postings per step when computing BM25 weights (bounds temporary memory)


def term_keys(layer: int, first: np.ndarray, second: np.ndarray | None = None) -> np.ndarray:
    """uint64 term keys: layer(2 bits) | bigram(1) | first id(30) | second id(30); sorted keys group by layer."""
    keys = (np.uint64(layer) << np.uint64(62)) | (first.astype(np.uint64) << np.uint64(ID_BITS))
    if second is not None:
        keys |= (np.uint64(1) << np.uint64(61)) | second.astype(np.uint64)
    return keys


class LexicalBuilder:
    """Accumulates postings batch by batch (rows ascending), then lays them out term by term in one pass."""

    def __init__(self, params) -> None:
        self.params = params
        self.layers = LAYERS
        self.vocab: dict[str, dict[str, int]] = {layer: {} for layer in LAYERS}
        self.surface: dict[str, int] = {}  # token as written → surface id
        self.surface_layer_ids: list[list[int]] = [[] for _ in LAYERS]  # surface id → id in each layer
        self.gaps: dict[str, bool] = {}  # text between two tokens → do they form a bigram
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # keys, sizes, rows, tf
        self.doc_len: list[np.ndarray] = []
        # Language statistics for diacritic restoration of queries (search.query.restore): occurrences per
        # surface form and adjacent exact-form pairs, gathered from the first STATS_ROWS rows only (they saturate).
        self.surface_freq = np.zeros(0, dtype=np.int64)
        self.pair_parts: list[tuple[np.ndarray, np.ndarray]] = []
        self.stats_rows = 0

    # ---- tokens → ids ------------------------------------------------------------------------------------

    def _register(self, tokens) -> None:
        for token in tokens:
            if token in self.surface:
                continue
            self.surface[token] = len(self.surface)
            for i, key in enumerate(key_triple(token)):
                table = self.vocab[self.layers[i]]
                self.surface_layer_ids[i].append(table.setdefault(key, len(table)))

    def _joining(self, gaps) -> None:
        for gap in gaps:
            if gap not in self.gaps:
                self.gaps[gap] = JOINING_GAP.fullmatch(gap) is not None

    # ---- batches -----------------------------------------------------------------------------------------

    def add_batch(self, texts: Sequence[str], first_row: int) -> None:
        tokens: list[str] = []
        gaps: list[str] = []
        starts: list[int] = []
        lengths: list[int] = []
        compounds: list[str] = []
        compound_rows: list[int] = []
        for offset, text in enumerate(texts):
            text_gaps, text_tokens = scan(text)
            starts.append(len(tokens))
            lengths.append(len(text_tokens))
            gaps.extend(text_gaps)
            tokens.extend(text_tokens)
            if self.params.compounds:
                for start, end in compound_tokenize(text):
                    compounds.append(text[start:end])
                    compound_rows.append(offset)
        self.doc_len.append(np.asarray(lengths, dtype=np.int32))
        # First-occurrence order (not set order) keeps ids, and so the saved files, identical from run to run.
        self._register(dict.fromkeys(tokens))
        self._register(dict.fromkeys(compounds))
        self._joining(set(gaps))
        n_docs = len(lengths)
        sid = np.fromiter(map(self.surface.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        rows = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        joined = np.fromiter(map(self.gaps.__getitem__, gaps), dtype=bool, count=len(gaps))
        if joined.size:
            joined[np.asarray(starts, dtype=np.int64)[np.asarray(lengths) > 0]] = False  # no bigram across texts
        csid = np.fromiter(map(self.surface.__getitem__, compounds), dtype=np.int64, count=len(compounds))
        crows = np.asarray(compound_rows, dtype=np.int64)
        pair = np.flatnonzero(joined)
        if self.stats_rows < STATS_ROWS:
            # Word pairs for the statistics also span commas ("xã, phường"): every neighbour within one text.
            neighbours = np.ones(len(tokens), dtype=bool)
            neighbours[np.asarray(starts, dtype=np.int64)[np.asarray(lengths) > 0]] = False
            if neighbours.size:
                neighbours[0] = False
            self._count_language(sid, np.flatnonzero(neighbours))
            self.stats_rows += n_docs

        keys_parts, sizes_parts, rows_parts, tf_parts = [], [], [], []
        for layer in self.params.unigram_layers:
            code = self.layers.index(layer)
            table = np.asarray(self.surface_layer_ids[code], dtype=np.int64)
            ids = np.concatenate([table[sid], table[csid]])
            self._collect(code, ids, None, np.concatenate([rows, crows]), n_docs,
                          keys_parts, sizes_parts, rows_parts, tf_parts)
        for layer in self.params.bigram_layers:
            code = self.layers.index(layer)
            table = np.asarray(self.surface_layer_ids[code], dtype=np.int64)
            ids = table[sid]
            self._collect(code, ids[pair - 1], ids[pair], rows[pair], n_docs,
                          keys_parts, sizes_parts, rows_parts, tf_parts)
        if keys_parts:
            self.parts.append((np.concatenate(keys_parts), np.concatenate(sizes_parts),
                               (np.concatenate(rows_parts) + first_row).astype(np.int32),
                               np.concatenate(tf_parts)))

    def _count_language(self, sid: np.ndarray, pair: np.ndarray) -> None:
        counts = np.bincount(sid, minlength=len(self.surface)) if sid.size else np.zeros(len(self.surface), np.int64)
        grown = np.zeros(len(self.surface), dtype=np.int64)
        grown[: self.surface_freq.size] = self.surface_freq
        self.surface_freq = grown + counts
        if pair.size:
            exact = np.asarray(self.surface_layer_ids[0], dtype=np.int64)[sid]
            keys, freq = np.unique((exact[pair - 1] << 32) | exact[pair], return_counts=True)
            self.pair_parts.append((keys.astype(np.uint64), freq.astype(np.int64)))

    def language_stats(self) -> dict[str, np.ndarray | list[str]]:
        """exact_freq [n_exact], bigram_keys (sorted uint64 first << 32 | second, pairs seen ≥ 2 times),
        bigram_freq (uint32) and surfaces (most frequent lower-case spelling per exact id)."""
        n_exact = len(self.vocab["exact"])
        exact_of_surface = np.asarray(self.surface_layer_ids[0], dtype=np.int64)
        freq = np.zeros(len(self.surface), dtype=np.int64)
        freq[: self.surface_freq.size] = self.surface_freq
        exact_freq = np.bincount(exact_of_surface, weights=freq, minlength=n_exact).astype(np.int64)
        # Per exact id the spelling seen most often (ties: first seen); lower-cased unless it is a code.
        surfaces = list(self.vocab["exact"])
        best = np.full(n_exact, -1, dtype=np.int64)
        order = np.lexsort((np.arange(freq.size), -freq))
        seen = np.zeros(n_exact, dtype=bool)
        for sid in order.tolist():
            e = int(exact_of_surface[sid])
            if not seen[e]:
                seen[e] = True
                best[e] = sid
        names = list(self.surface)
        for e in np.flatnonzero(best >= 0).tolist():
            surfaces[e] = names[int(best[e])].lower()
        if self.pair_parts:
            keys = np.concatenate([k for k, _ in self.pair_parts])
            counts = np.concatenate([c for _, c in self.pair_parts])
            self.pair_parts.clear()
            keys, inverse = np.unique(keys, return_inverse=True)
            counts = np.bincount(inverse, weights=counts).astype(np.int64)
            keep = counts >= 2
            keys, counts = keys[keep], counts[keep]
        else:
            keys, counts = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        return {"exact_freq": exact_freq, "bigram_keys": keys.astype(np.uint64),
                "bigram_freq": np.minimum(counts, np.iinfo(np.uint32).max).astype(np.uint32), "surfaces": surfaces}

    @staticmethod
    def _collect(code, first, second, rows, n_docs, keys_parts, sizes_parts, rows_parts, tf_parts) -> None:
        """Count (term, row) pairs of one layer; output grouped by term key ascending, rows ascending inside."""
        if first.size == 0:
            return
        if second is None:
            local, uniq = first, None
        else:
            uniq, local = np.unique((first << 30) | second, return_inverse=True)
        combined, tf = np.unique(local.astype(np.int64) * n_docs + rows, return_counts=True)
        term, row = np.divmod(combined, n_docs)
        starts = np.flatnonzero(np.concatenate(([True], term[1:] != term[:-1])))
        group_terms = term[starts]
        if second is None:
            keys = term_keys(code, group_terms)
        else:
            pairs = uniq[group_terms]
            keys = term_keys(code, pairs >> 30, pairs & ((1 << 30) - 1))
        keys_parts.append(keys)
        sizes_parts.append(np.diff(np.append(starts, term.size)).astype(np.int64))
        rows_parts.append(row)
        tf_parts.append(np.minimum(tf, np.iinfo(np.uint16).max).astype(np.uint16))

    # ---- layout ------------------------------------------------------------------------------------------

    def finish(self):
        params = self.params
        doc_len = np.concatenate(self.doc_len) if self.doc_len else np.zeros(0, dtype=np.int32)
        n_rows = int(doc_len.shape[0])
        avgdl = float(doc_len.mean()) if n_rows and doc_len.sum() else 1.0
        all_keys = np.concatenate([p[0] for p in self.parts]) if self.parts else np.zeros(0, np.uint64)
        term_keys_sorted = np.unique(all_keys)
        df = np.zeros(term_keys_sorted.size, dtype=np.int64)
        located = []
        for keys, sizes, _, _ in self.parts:
            columns = np.searchsorted(term_keys_sorted, keys)
            np.add.at(df, columns, sizes)
            located.append(columns)
        indptr = np.zeros(term_keys_sorted.size + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        total = int(indptr[-1])
        rows_out = np.empty(total, dtype=np.int32)
        tf_out = np.empty(total, dtype=np.float32)
        fill = indptr[:-1].copy()
        # Batches come in row order, so writing them one after the other keeps rows ascending in each column.
        for (keys, sizes, rows, tf), columns in zip(self.parts, located):
            # A key may appear once per layer part inside a batch; each occurrence is a separate group.
            group_start = np.repeat(np.cumsum(sizes) - sizes, sizes)
            within = np.arange(rows.size, dtype=np.int64) - group_start
            base = np.repeat(fill[columns], sizes)
            rows_out[base + within] = rows
            tf_out[base + within] = tf
            np.add.at(fill, columns, sizes)
        self.parts.clear()
        idf = np.log1p((n_rows - df + 0.5) / (df + 0.5))
        weights = np.empty(total, dtype=np.float32)
        column_of = np.repeat(np.arange(df.size, dtype=np.int64), df) if total <= _WEIGHT_CHUNK else None
        for start in range(0, total, _WEIGHT_CHUNK):
            end = min(total, start + _WEIGHT_CHUNK)
            cols = column_of[start:end] if column_of is not None else (
                np.searchsorted(indptr, np.arange(start, end, dtype=np.int64), side="right") - 1)
            tf = tf_out[start:end].astype(np.float64)
            norm = params.k1 * (1.0 - params.b + params.b * doc_len[rows_out[start:end]] / avgdl)
            weights[start:end] = idf[cols] * tf * (params.k1 + 1.0) / (tf + norm)
        del tf_out
        vocab = {layer: list(table) for layer, table in self.vocab.items()}
        exact, tone, loose = (np.asarray(ids, dtype=np.int32) for ids in self.surface_layer_ids)
        folds = {}
        for name, source, target, size in (("exact_to_tone", exact, tone, len(vocab["exact"])),
                                           ("exact_to_loose", exact, loose, len(vocab["exact"])),
                                           ("tone_to_loose", tone, loose, len(vocab["tone"]))):
            folds[name] = np.zeros(size, dtype=np.int32)
            folds[name][source] = target
        # the index's constructor arguments: LexicalIndex.build makes the index (this module does not import it)
        return (params, vocab, term_keys_sorted, indptr, rows_out, weights, doc_len, avgdl), folds
