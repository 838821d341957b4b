"""Compiled (numba) loops for the per-query work over candidate passages' stored token positions.

Each kernel gives exactly what the numpy code it replaces in search.retrieve.positional gives (same comparisons, same
float64 maxima; sums stay in numpy so that their rounding is numpy's): tests/test_positional.py compares both on real
and edge passages. Compiled lazily and used once ready (indexer.store.scoring.compiled: numba missing or
TRACUU_NUMBA=0, the numpy code runs).
"""
from __future__ import annotations

import numpy as np

from indexer.store.scoring.compiled import AVAILABLE, Kernel, on_warm_up, ready, warm_up  # noqa: F401 (re-exported)

_ID_MASK = (1 << 30) - 1
_JOINED_SHIFT = 31
_SPACED_SHIFT = 30
FILTER_BITS = 1024  # per group of keys, a bit per hash of a key: most tokens match no key and stop at one bit


def key_hash(key):
    """The filter bit of a term key (int64 ≥ 0; numpy arrays or numba scalars)."""
    return (key ^ (key >> 31) ^ (key >> 10)) & (FILTER_BITS - 1)


def key_filter(keys: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """uint8 [n_groups, FILTER_BITS]: 1 where some key of the group (keys[bounds[g]:bounds[g + 1]]) hashes."""
    out = np.zeros((max(bounds.size - 1, 0), FILTER_BITS), dtype=np.uint8)
    for g in range(bounds.size - 1):
        out[g, key_hash(keys[bounds[g]:bounds[g + 1]])] = 1
    return out


def _find(keys: np.ndarray, lo: int, end: int, probe: int) -> int:
    """Index of `probe` in the sorted keys[lo:end], or -1."""
    hi = end
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < probe:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < end and keys[lo] == probe else -1


def _proximity_events(rows, indptr, tokens, surfaces, g_code, g_size, g_start, keys, key_ptr, pair_concept,
                      pair_value, g_filter, n_concepts, window):
    """(row_of int64 [E], best float64 [E, n_concepts]) over the concatenated tokens of `rows` (in that order).

    The query's terms: per group g (layer code g_code[g], g_size[g] = 1 for unigrams, 2 for bigrams) the sorted
    keys[g_start[g]:g_start[g + 1]]; key i is worth pair_value[j] to concept pair_concept[j] for j in
    key_ptr[i]:key_ptr[i + 1]; g_filter[g] has the bit of each of its keys (key_filter).

    An event is a token where some concept occurs (a unigram term at its token, a bigram term at its second token
    when that token joins the previous one) with the best value of each concept there; best[e] is the maximum of those
    over the events of the same row less than `window` tokens after it (itself included), and row_of[e] the index in
    `rows` of the event's row. Same values as positional.concept_matrix and the window loop of
    positional.window_masses.
    """
    n_groups = g_code.shape[0]
    capacity = 256
    event_pos = np.empty(capacity, np.int64)
    row_of = np.empty(capacity, np.int64)
    event_ptr = np.zeros(capacity + 1, np.int64)  # the (concept, value) pairs of event e: ev_*[event_ptr[e]:...]
    ev_concept = np.empty(capacity * 2, np.int64)
    ev_value = np.empty(capacity * 2, np.float64)
    n_events = 0
    n_pairs = 0
    current = np.zeros(n_concepts)
    touched = np.empty(n_concepts, np.int64)
    t = 0
    previous = -1  # surface of the previous token of the concatenation (never paired across rows: no join flag)
    for i in range(rows.shape[0]):
        for p in range(indptr[rows[i]], indptr[rows[i] + 1]):
            raw = np.int64(tokens[p])
            surface = raw & _ID_MASK
            joined = (raw >> _JOINED_SHIFT) & 1
            n_touched = 0
            for g in range(n_groups):
                code = g_code[g]
                probe = np.int64(surfaces[surface, code])
                if probe < 0:
                    continue
                if g_size[g] == 2:
                    if joined == 0 or previous < 0:
                        continue
                    first = np.int64(surfaces[previous, code])
                    if first < 0:
                        continue
                    probe = (first << 31) | probe
                if g_filter[g, (probe ^ (probe >> 31) ^ (probe >> 10)) & (FILTER_BITS - 1)] == 0:
                    continue
                slot = _find(keys, g_start[g], g_start[g + 1], probe)
                if slot < 0:
                    continue
                for j in range(key_ptr[slot], key_ptr[slot + 1]):
                    c = pair_concept[j]
                    v = pair_value[j]
                    if v > current[c]:
                        if current[c] == 0.0:
                            touched[n_touched] = c
                            n_touched += 1
                        current[c] = v
            if n_touched:
                if n_events == capacity:  # grow the per-event arrays
                    capacity *= 2
                    event_pos = _grown(event_pos, capacity)
                    row_of = _grown(row_of, capacity)
                    event_ptr = _grown(event_ptr, capacity + 1)
                if n_pairs + n_touched > ev_concept.shape[0]:
                    room = max(2 * ev_concept.shape[0], n_pairs + n_touched)
                    ev_concept = _grown(ev_concept, room)
                    ev_value = _grown(ev_value, room)
                for q in range(n_touched):
                    c = touched[q]
                    ev_concept[n_pairs] = c
                    ev_value[n_pairs] = current[c]
                    current[c] = 0.0
                    n_pairs += 1
                event_pos[n_events] = t
                row_of[n_events] = i
                n_events += 1
                event_ptr[n_events] = n_pairs
            previous = surface
            t += 1
    best = np.zeros((n_events, n_concepts))
    for e in range(n_events):
        for j in range(e, n_events):
            if row_of[j] != row_of[e] or event_pos[j] - event_pos[e] >= window:
                break
            for q in range(event_ptr[j], event_ptr[j + 1]):
                c = ev_concept[q]
                if ev_value[q] > best[e, c]:
                    best[e, c] = ev_value[q]
    return row_of[:n_events].copy(), best


def _grown(array, size):
    out = np.empty(size, array.dtype)
    out[:array.shape[0]] = array
    return out


def _highlight_spans(rows, indptr, tokens, surfaces, exact_ids, loose_ids):
    """(row index, first token, last token) int64 [S, 3] of each highlighted span over the tokens of `rows`, in order.

    A token is marked when its exact id is in exact_ids or its loose id in loose_ids (both sorted int64); a marked
    token continues the span of the marked token just before it (in the concatenation of the rows' tokens) when the
    gap between them is spaces only (the SPACED bit). Token numbers index the positions arrays (tokens, starts).
    Same spans as positional.highlight_rows's numpy code.
    """
    total = 0
    for i in range(rows.shape[0]):
        total += indptr[rows[i] + 1] - indptr[rows[i]]
    out = np.empty((total, 3), np.int64)
    n = 0
    previous_marked = False
    for i in range(rows.shape[0]):
        for p in range(indptr[rows[i]], indptr[rows[i] + 1]):
            raw = np.int64(tokens[p])
            surface = raw & _ID_MASK
            marked = (_find(exact_ids, 0, exact_ids.shape[0], np.int64(surfaces[surface, 0])) >= 0
                      or _find(loose_ids, 0, loose_ids.shape[0], np.int64(surfaces[surface, 2])) >= 0)
            if marked:
                if previous_marked and (raw >> _SPACED_SHIFT) & 1:
                    out[n - 1, 2] = p
                else:
                    out[n, 0] = i
                    out[n, 1] = p
                    out[n, 2] = p
                    n += 1
            previous_marked = marked
    return out[:n].copy()


proximity_events = Kernel(_proximity_events, helpers=("_find", "_grown"))
highlight_spans = Kernel(_highlight_spans, helpers=("_find",))


@on_warm_up
def _warm_up() -> None:
    """Compile for the array types an index hands the kernel (writable when built in memory, read-only when mapped)."""
    keys = np.zeros(1, dtype=np.int64)
    terms = (np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64), np.array([0, 1], dtype=np.int64), keys,
             np.array([0, 1], dtype=np.int64), np.zeros(1, dtype=np.int64), np.ones(1), key_filter(keys, np.array([0, 1])))
    for readonly in (False, True):
        indptr, tokens = np.array([0, 1], dtype=np.int64), np.zeros(1, dtype=np.uint32)
        indptr.flags.writeable = tokens.flags.writeable = not readonly
        proximity_events(np.zeros(1, dtype=np.int64), indptr, tokens, np.zeros((1, 3), dtype=np.int32), *terms, 1, 12)
        highlight_spans(np.zeros(1, dtype=np.int64), indptr, tokens, np.zeros((1, 3), dtype=np.int32), keys, keys)
