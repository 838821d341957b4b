"""Term keys shared by the lexical index and its builder: the key layers of a token, bigram joining, id bits."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from indexer.text.vntext import key_exact, key_loose, key_tone

LAYERS = ("exact", "tone", "loose")
ID_BITS = 30  # syllable ids per layer fit in 30 bits; a term key is layer(2) | bigram(1) | id(30) | id(30)
_TONE_DIGITS = {"\u0300": "2", "\u0301": "1", "\u0303": "4", "\u0309": "3", "\u0323": "5"}
# Tokens separated only by spaces or by one joining character ("80/KH", "10/5") form a bigram; punctuation,
# line breaks and brackets end a phrase.
JOINING_GAP = re.compile(r"[ \t]+|[/\-.]")


@lru_cache(maxsize=200_000)
def _exact_key(token: str) -> str:
    folded = key_exact(token)
    decomposed = unicodedata.normalize("NFD", folded)
    if not any(c in _TONE_DIGITS for c in decomposed):
        return folded
    return re.sub(r"[^\W_]+", lambda m: _retone(m.group()), folded)


def _retone(syllable: str) -> str:
    digits = "".join(_TONE_DIGITS[c] for c in unicodedata.normalize("NFD", syllable) if c in _TONE_DIGITS)
    return key_tone(syllable) + digits


@lru_cache(maxsize=200_000)
def key_triple(token: str) -> tuple[str, str, str]:
    """(exact, tone, loose) keys of one token."""
    return _exact_key(token), key_tone(token), key_loose(token)
