"""A drop-in for search.proximity._matches: one pass over the tokens with dictionary look-ups instead of a scan per concept."""
from __future__ import annotations

from collections import defaultdict

_LAYERS = ("exact", "tone", "loose")


def compile_values(values: list[dict]) -> tuple[dict, dict]:
    """(layer, key) → [(concept, value)] for unigrams and (layer, first, second) → [(concept, value)] for bigrams."""
    unigrams: dict = defaultdict(list)
    bigrams: dict = defaultdict(list)
    for concept, entry in enumerate(values):
        for (layer, keys), value in entry.items():
            if len(keys) == 1:
                unigrams[(layer, keys[0])].append((concept, value))
            elif len(keys) == 2:
                bigrams[(layer, keys[0], keys[1])].append((concept, value))
    return dict(unigrams), dict(bigrams)


def fast_matches(tokens: list, values: list[dict], compiled: tuple[dict, dict] | None = None) -> list[tuple[int, int, float]]:
    """Same output as search.proximity._matches: sorted (position, concept, best value) for every concept hit."""
    unigrams, bigrams = compiled or compile_values(values)
    layers = [layer for layer in _LAYERS if any(k[0] == layer for k in unigrams) or any(k[0] == layer for k in bigrams)]
    found = []
    previous = None
    for pos, token in enumerate(tokens):
        best: dict[int, float] = {}
        for layer in layers:
            key = getattr(token, layer)
            for concept, value in unigrams.get((layer, key), ()):
                if value > best.get(concept, 0.0):
                    best[concept] = value
            if previous is not None and token.joined and bigrams:
                for concept, value in bigrams.get((layer, getattr(previous, layer), key), ()):
                    if value > best.get(concept, 0.0):
                        best[concept] = value
        for concept, value in best.items():
            if value > 0:
                found.append((pos, concept, value))
        previous = token
    found.sort()
    return found
