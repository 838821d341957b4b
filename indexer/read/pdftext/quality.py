"""How much a text layer looks like Vietnamese as printed: the score that sends a garbage text layer to OCR.

The score of a text is the share of its word tokens (runs of letters; numbers, codes and punctuation are not words)
that are well-formed Vietnamese syllables by `indexer.read.legacy.is_syllable` (onset + rhyme + at most one tone,
stop codas c/ch/p/t only with sắc or nặng). Measured on the text layers of the PDFs of plans-dev and
ninhbinh-pdfs (pages of ≥ 20 words): every good page scores 0.88–0.99 (the misses are abbreviations such as UBND,
KH and foreign words); a scanner's OCR layer without most diacritics ("UY BAN NHAN DAN … Dc 1p — Tir do",
ninhbinh 968.pdf) scores 0.55, a phone app's mis-mapped glyphs ("CÔNG AN TÈNH LÂM ÒNG", "ng°Ýi sí dång",
plans-dev lamdong-vbai_298-PC04.pdf; "ngdy fithdng 11 ndm", lamdong-vbai_493-TB.pdf) 0.33–0.50.

A page is garbage when it has at least `MIN_WORDS` word tokens and scores under `GARBAGE_BELOW`; a shorter
page is judged by its images instead (see `indexer.read.ocr.pages_to_ocr`). The share of words carrying a
Vietnamese diacritic is reported beside the score: a text with none on a page of ≥ MIN_WORDS words is not
Vietnamese as printed even when its ASCII words happen to be syllables ("CONG HOA XA HOI").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from indexer.read.legacy import is_syllable

MIN_WORDS = 40  # fewer word tokens are too few to judge a page by its words
GARBAGE_BELOW = 0.70  # syllable share under which a page's text layer is not the printed text
MIN_DIACRITIC_SHARE = 0.15  # good pages of plans-dev and ninhbinh-pdfs: ≈ 0.8 of their words

_WORD = re.compile(r"[^\W\d_]+")  # a run of letters (Unicode), NFC text


@dataclass(frozen=True)
class TextQuality:
    """Words counted, share of them that are Vietnamese syllables and share with a Vietnamese diacritic (0.0–1.0)."""

    words: int
    syllables: float
    diacritics: float

    @property
    def garbage(self) -> bool:
        """Enough words to judge, and too few of them syllables or too few with diacritics."""
        if self.words < MIN_WORDS:
            return False
        return self.syllables < GARBAGE_BELOW or self.diacritics < MIN_DIACRITIC_SHARE


def text_quality(text: str) -> TextQuality:
    """Score a text (any normalisation form) as described in the module docstring."""
    words = _WORD.findall(unicodedata.normalize("NFC", text))
    if not words:
        return TextQuality(0, 0.0, 0.0)
    valid = sum(1 for word in words if is_syllable(word))
    marked = sum(1 for word in words if _has_diacritic(word))
    return TextQuality(len(words), valid / len(words), marked / len(words))


def _has_diacritic(word: str) -> bool:
    if "đ" in word or "Đ" in word:
        return True
    return any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", word) if ch not in "\u0338")
