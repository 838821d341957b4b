"""Term proximity: how much of the query a passage holds within one short window, for re-ranking BM25 candidates."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from indexer.lexical import LexicalIndex, Token, analyze
from search.query import ParsedQuery

WINDOW = 12  # tokens; about one clause of administrative prose
PROXIMITY_WEIGHT = 1.0  # bonus per unit of IDF-weighted concept mass found inside the best window


def concept_values(parsed: ParsedQuery, lexical: LexicalIndex) -> list[dict[tuple[str, tuple[str, ...]], float]]:
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


def _matches(tokens: list[Token], values: list[dict]) -> list[tuple[int, int, float]]:
    """(position, concept, value) for every place where a concept's term occurs."""
    found = []
    for c, entry in enumerate(values):
        if not entry:
            continue
        for pos, token in enumerate(tokens):
            best = 0.0
            for (layer, keys), value in entry.items():
                if len(keys) == 1:
                    hit = token.key(layer) == keys[0]
                else:
                    hit = (pos > 0 and token.joined and token.key(layer) == keys[1]
                           and tokens[pos - 1].key(layer) == keys[0])
                if hit and value > best:
                    best = value
            if best > 0:
                found.append((pos, c, best))
    found.sort()
    return found


def best_window(text: str, values: list[dict], window: int = 0) -> float:
    """The largest sum, over distinct concepts, of their best value found inside any `window` consecutive tokens."""
    window = window or WINDOW
    events = _matches(analyze(text, compounds=False), values)
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


def rerank(parsed: ParsedQuery, lexical: LexicalIndex, rows: np.ndarray, scores: np.ndarray,
           texts: Sequence[str], weight: float = PROXIMITY_WEIGHT) -> tuple[np.ndarray, np.ndarray]:
    """BM25 score + weight × best-window mass, re-sorted (ties by BM25 order)."""
    if rows.size == 0 or weight == 0:
        return rows, scores
    values = concept_values(parsed, lexical)
    bonus = np.asarray([best_window(text, values) for text in texts], dtype=np.float64)
    combined = scores.astype(np.float64) + weight * bonus
    order = np.lexsort((np.arange(rows.size), -combined))
    return rows[order], combined[order].astype(np.float32)
