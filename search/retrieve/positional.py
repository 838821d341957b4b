"""Proximity and highlighting from the index's stored token positions (indexer.store.lexical_positions): numpy over
all candidates at once, no passage text read and no per-token Python loop.

Gives the same values as the text-scanning versions in search.retrieve.proximity and
search.retrieve.searcher.highlight_spans (tests/test_positional.py checks both on real passages).
"""
from __future__ import annotations

import numpy as np

from indexer.store.lexical_positions import TOKEN
from indexer.store.lexical_keys import LAYERS
from search.retrieve import kernels

WINDOW = 12  # tokens; the same window as search.retrieve.proximity.WINDOW

Values = list[dict[tuple[str, tuple[str, ...]], float]]


def _layer_ids(lexical, surface: np.ndarray, code: int) -> np.ndarray:
    """int64 ids of the tokens (given by surface id) in layer `code` (0 exact, 1 tone, 2 loose); -1 when the
    vocabulary has no such key."""
    return lexical.positions.surfaces[surface, code].astype(np.int64)


def _term_ids(values: Values, lexical) -> list[tuple[int, int, list[int], float]]:
    """(concept, layer code, vocabulary ids, value) of every term some token could match."""
    out = []
    for concept, entry in enumerate(values):
        for (layer, keys), value in entry.items():
            if len(keys) not in (1, 2) or layer not in lexical._ids:
                continue
            ids = [lexical._ids[layer].get(key) for key in keys]
            if all(i is not None for i in ids):
                out.append((concept, LAYERS.index(layer), ids, value))
    return out


def _pair(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (first << 31) | second


class Tables:
    """A query's terms as lookup tables: per (layer, unigram|bigram) the sorted term keys and, per key, the value of
    each concept (float64 [n_keys, n_concepts]); built once per query and index (LexicalIndex.cached)."""

    def __init__(self, values: Values, lexical) -> None:
        self.n_concepts = len(values)
        groups: dict[tuple[int, int], dict[int, np.ndarray]] = {}
        for concept, code, ids, value in _term_ids(values, lexical):
            key = ids[0] if len(ids) == 1 else (ids[0] << 31) | ids[1]
            row = groups.setdefault((code, len(ids)), {}).setdefault(key, np.zeros(self.n_concepts))
            row[concept] = max(row[concept], value)
        self.groups = []
        for (code, size), rows in sorted(groups.items()):
            keys = np.asarray(sorted(rows), dtype=np.int64)
            self.groups.append((code, size, keys, np.stack([rows[k] for k in keys.tolist()])))
        # The same groups flattened for the compiled kernel (kernels.proximity_events): layer code, n-gram size and
        # key range per group; every group's keys end to end; per key its (concept, value) pairs, non-zero values only.
        bounds = np.cumsum([0] + [keys.size for _, _, keys, _ in self.groups]).astype(np.int64)
        keys = np.concatenate([g[2] for g in self.groups]) if self.groups else np.zeros(0, dtype=np.int64)
        table = np.concatenate([g[3] for g in self.groups]) if self.groups else np.zeros((0, self.n_concepts))
        key_row, concept = np.nonzero(table)
        key_ptr = np.zeros(keys.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(key_row, minlength=keys.size), out=key_ptr[1:])
        self.flat = (np.asarray([g[0] for g in self.groups], dtype=np.int64),
                     np.asarray([g[1] for g in self.groups], dtype=np.int64), bounds, keys, key_ptr,
                     concept.astype(np.int64), table[key_row, concept], kernels.key_filter(keys, bounds),
                     self.n_concepts)


def concept_matrix(tables: Tables, lexical, surface: np.ndarray, joined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions, values): the token positions where some concept occurs (ascending) and float64
    [len(positions), n_concepts], the best value of each concept there. A unigram term counts at its token, a bigram
    term at its second token when that token joins the previous one."""
    matrix = np.zeros((surface.size, tables.n_concepts))
    layers: dict[int, np.ndarray] = {}
    for code, size, keys, table in tables.groups:
        if code not in layers:
            layers[code] = _layer_ids(lexical, surface, code)
        ids = layers[code]
        if size == 1:
            probe, shift = ids, 0
        else:
            probe, shift = np.where(joined[1:] & (ids[1:] >= 0), _pair(ids[:-1], ids[1:]), -1), 1
        slot = np.minimum(np.searchsorted(keys, probe), keys.size - 1)
        where = np.flatnonzero(keys[slot] == probe)
        if where.size:  # positions are unique within one group, so a fancy-indexed maximum is exact
            at = where + shift
            matrix[at] = np.maximum(matrix[at], table[slot[where]])
    events = np.flatnonzero(matrix.any(axis=1))
    return events, matrix[events]


def window_masses(values: Values, lexical, rows: np.ndarray, window: int = WINDOW,
                  tables: Tables | None = None, compiled: bool = True) -> np.ndarray:
    """float64 [len(rows)]: per row, the largest sum over concepts of their best value inside `window` consecutive
    tokens (search.retrieve.proximity.best_window, computed for all rows together); compiled=False forces the numpy
    code even when the compiled kernel (search.retrieve.kernels) is available (both give the same values)."""
    out = np.zeros(rows.size, dtype=np.float64)
    if not values or rows.size == 0:
        return out
    tables = tables or Tables(values, lexical)
    if compiled and kernels.ready():
        positions = lexical.positions
        row_of, best = kernels.proximity_events(np.asarray(rows, dtype=np.int64), positions.indptr, positions.tokens,
                                                positions.surfaces, *tables.flat, window)
        if row_of.size:
            starts = np.flatnonzero(np.concatenate(([True], row_of[1:] != row_of[:-1])))
            out[row_of[starts]] = np.maximum.reduceat(best.sum(axis=1), starts)
        return out
    surface, joined, offsets = lexical.positions.gather(rows)
    events, found = concept_matrix(tables, lexical, surface, joined)
    if events.size == 0:
        return out
    row_of = np.searchsorted(offsets, events, side="right") - 1
    best = found.copy()
    # Positions are distinct and ascending, so a window starting at an event holds at most `window` events; once no
    # pair `shift` events apart fits in one window (same row, fewer than `window` tokens apart), no wider pair does.
    for shift in range(1, min(window, events.size)):
        inside = (row_of[shift:] == row_of[:-shift]) & (events[shift:] - events[:-shift] < window)
        if not inside.any():
            break
        np.maximum(best[:-shift], found[shift:] * inside[:, None], out=best[:-shift])
    # events are in row order: the best window of each row is the maximum over its run of events
    starts = np.flatnonzero(np.concatenate(([True], row_of[1:] != row_of[:-1])))
    out[row_of[starts]] = np.maximum.reduceat(best.sum(axis=1), starts)
    return out


def highlight_rows(lexical, wanted: frozenset, rows: np.ndarray, texts: list[str],
                   compiled: bool = True) -> list[list[list[int]]] | None:
    """Per row: [start, end) spans of its passage text (texts[i] is row rows[i]) whose token's exact or loose key is
    in `wanted` ({(layer, key)}); neighbours joined by spaces merge. None when the positions do not fit the texts.
    compiled=False forces the numpy code even when the compiled kernel is ready (both give the same spans)."""
    exact_ids = {lexical._ids["exact"].get(k) for layer, k in wanted if layer == "exact"} - {None}
    loose_ids = {lexical._ids["loose"].get(k) for layer, k in wanted if layer == "loose"} - {None}
    if compiled and kernels.ready():
        positions = lexical.positions
        spans = kernels.highlight_spans(np.asarray(rows, dtype=np.int64), positions.indptr, positions.tokens,
                                        positions.surfaces, np.sort(np.fromiter(exact_ids, dtype=np.int64)),
                                        np.sort(np.fromiter(loose_ids, dtype=np.int64)))
        return _spans_out(texts, spans[:, 0], positions.starts[spans[:, 1]], positions.starts[spans[:, 2]])
    surface, _, offsets, starts, spaced = lexical.positions.gather(rows, with_starts=True)
    hit = np.zeros(surface.size, dtype=bool)
    if exact_ids:
        hit |= np.isin(_layer_ids(lexical, surface, 0), np.fromiter(exact_ids, dtype=np.int64))
    if loose_ids:
        hit |= np.isin(_layer_ids(lexical, surface, 2), np.fromiter(loose_ids, dtype=np.int64))
    out: list[list[list[int]]] = [[] for _ in texts]
    marked = np.flatnonzero(hit)
    if marked.size == 0:
        return out
    # a marked token continues the span of the marked token just before it when only spaces separate them
    glued = np.zeros(marked.size, dtype=bool)
    glued[1:] = (marked[1:] == marked[:-1] + 1) & spaced[marked[1:]]
    first = marked[~glued]
    last = marked[np.append(np.flatnonzero(~glued)[1:] - 1, marked.size - 1)]
    row_of = np.searchsorted(offsets, first, side="right") - 1
    return _spans_out(texts, row_of, starts[first], starts[last])


def _spans_out(texts: list[str], row_of: np.ndarray, first_starts: np.ndarray, last_starts: np.ndarray
               ) -> list[list[list[int]]] | None:
    """Per text, the [start of the span's first token, end of its last token) of each span (row_of: its text)."""
    out: list[list[list[int]]] = [[] for _ in texts]
    for i, start, end_start in zip(row_of.tolist(), first_starts.tolist(), last_starts.tolist()):
        token = TOKEN.match(texts[i], end_start)
        if token is None:
            return None  # the stored positions are not this text's (an index out of step with its database)
        out[i].append([int(start), token.end()])
    return out
