"""Term proximity: how much of the query a passage holds within one short window, for re-ranking BM25 candidates."""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np

from indexer.store.lexical import JOINING_GAP, LAYERS, LexicalIndex, key_triple
from indexer.store.lexical_build import scan
from search.query.parse import ParsedQuery
from search.retrieve.positional import Tables, window_masses

WINDOW = 12  # tokens; about one clause of administrative prose
PROXIMITY_WEIGHT = 1.0  # bonus per unit of IDF-weighted concept mass found inside the best window

Values = list[dict[tuple[str, tuple[str, ...]], float]]
_JOINS: dict[str, bool] = {}


def concept_values(parsed: ParsedQuery, lexical: LexicalIndex) -> Values:
    """For each query concept: term → query weight × IDF (what finding that term in a window is worth)."""
    flat = [(layer, keys) for concept in parsed.concepts for layer, keys, _ in concept]
    idf = lexical.idf(flat)
    values, i = [], 0
    for concept in parsed.concepts:
        entry = {}
        for layer, keys, weight in concept:
            if idf[i] > 0:
                entry[(layer, keys)] = weight * float(idf[i])
            i += 1
        values.append(entry)
    return values


class _Compiled:
    """Concept values indexed by key, so each token costs a few dictionary look-ups."""

    def __init__(self, values: Values) -> None:
        self.unigrams: dict[tuple[int, str], list[tuple[int, float]]] = defaultdict(list)
        self.bigrams: dict[tuple[int, str, str], list[tuple[int, float]]] = defaultdict(list)
        for concept, entry in enumerate(values):
            for (layer, keys), value in entry.items():
                code = LAYERS.index(layer)
                if len(keys) == 1:
                    self.unigrams[(code, keys[0])].append((concept, value))
                elif len(keys) == 2:
                    self.bigrams[(code, keys[0], keys[1])].append((concept, value))
        self.codes = sorted({c for c, _ in self.unigrams} | {c for c, _, _ in self.bigrams})
        # Keys that occur in some bigram term, per layer: only such tokens need their neighbours checked.
        self.pair_keys = {code: set() for code in range(len(LAYERS))}
        for code, first, second in self.bigrams:
            self.pair_keys[code].update((first, second))
        self.tokens: dict = {}  # token as written → (unigram hits, keys) or None, filled on first sight


def _joined(gap: str) -> bool:
    joined = _JOINS.get(gap)
    if joined is None:
        joined = _JOINS[gap] = JOINING_GAP.fullmatch(gap) is not None
    return joined


def _token_info(token: str, compiled: _Compiled):
    """(unigram hits, keys) of a token for this query, or None when it can take part in no match at all."""
    info = compiled.tokens.get(token, False)
    if info is False:
        keys = key_triple(token)
        hits: dict[int, float] = {}
        for code in compiled.codes:
            for concept, value in compiled.unigrams.get((code, keys[code]), ()):
                if value > hits.get(concept, 0.0):
                    hits[concept] = value
        in_pair = any(keys[code] in compiled.pair_keys[code] for code in compiled.codes)
        info = compiled.tokens[token] = (hits, keys) if hits or in_pair else None
    return info


def _matches(text: str, compiled: _Compiled) -> list[tuple[int, int, float]]:
    """(position, concept, value) for every place where a concept's term occurs, in position order."""
    gaps, tokens = scan(text)
    found = []
    previous = None
    for pos, (gap, token) in enumerate(zip(gaps, tokens)):
        info = _token_info(token, compiled)
        if info is None:
            previous = None
            continue
        hits, keys = info
        best = dict(hits)
        if previous is not None and compiled.bigrams and _joined(gap):
            for code in compiled.codes:
                for concept, value in compiled.bigrams.get((code, previous[code], keys[code]), ()):
                    if value > best.get(concept, 0.0):
                        best[concept] = value
        found.extend((pos, concept, value) for concept, value in best.items())
        previous = keys
    return found


def _best(events: list[tuple[int, int, float]], window: int) -> float:
    best = 0.0
    for i, (start, _, _) in enumerate(events):
        seen: dict[int, float] = {}
        for pos, concept, value in events[i:]:
            if pos - start >= window:
                break
            if value > seen.get(concept, 0.0):
                seen[concept] = value
        best = max(best, sum(seen.values()))
    return best


def matches(text: str, values: Values) -> list[tuple[int, int, float]]:
    """Sorted (token position, concept, best value) for every place a query concept occurs in text."""
    return sorted(_matches(text, _Compiled(values)))


def best_window(text: str, values: Values, window: int = 0) -> float:
    """The largest sum, over distinct concepts, of their best value found inside any `window` consecutive tokens."""
    return _best(_matches(text, _Compiled(values)), window or WINDOW)


def _tables(parsed: ParsedQuery, lexical: LexicalIndex) -> tuple[Values, Tables]:
    values = concept_values(parsed, lexical)
    return values, Tables(values, lexical)


def rerank(parsed: ParsedQuery, lexical: LexicalIndex, rows: np.ndarray, scores: np.ndarray,
           texts: Sequence[str] | None, weight: float = PROXIMITY_WEIGHT) -> tuple[np.ndarray, np.ndarray]:
    """BM25 score + weight × best-window mass, re-sorted (ties by BM25 order).

    texts: the passages of `rows`; None to use the index's stored token positions (lexical.positions, required then).
    """
    if rows.size == 0 or weight == 0:
        return rows, scores
    if texts is None:
        values, tables = lexical.cached(("proximity", parsed.concepts), lambda: _tables(parsed, lexical))
        bonus = window_masses(values, lexical, rows, tables=tables)
    else:
        compiled = _Compiled(concept_values(parsed, lexical))
        bonus = np.asarray([_best(_matches(text, compiled), WINDOW) for text in texts], dtype=np.float64)
    combined = scores.astype(np.float64) + weight * bonus
    order = np.lexsort((np.arange(rows.size), -combined))
    return rows[order], combined[order].astype(np.float32)
