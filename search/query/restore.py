"""Diacritic restoration of unaccented queries from the archive's own vocabulary.

An unaccented query ("ke hoach bao cao hang quy") reaches the lexical side fine (loose keys), but the embedding
model barely separates unaccented text (research/offline-e5.md: 0.82 vs 0.80). Before embedding, each loose word is
replaced by the accented form the archive uses most in that context: candidates are the archive's exact forms
behind the word's loose key, chosen by a bigram language model over the indexed passages (Viterbi, Jelinek-Mercer
smoothing). Statistics come from the lexical index (indexer.store.lexical: exact_freq, exact bigrams, surfaces).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

MAX_CANDIDATES = 8  # accented forms considered per word (most frequent first)
PAIR_SHARE = 0.8  # weight of the word-pair estimate against the unigram prior in P(b | a)
_ASCII_WORD = re.compile(r"[A-Za-z]+")
# Question words are frequent in questions and rare in documents, and their loose keys have one reading.
QUESTION_FORMS = {"nao": "nào", "gi": "gì", "nhieu": "nhiêu"}
# Two-word question phrases whose words alone are ambiguous ("may": máy/mấy, "lam": làm/lâm, "bao": báo/bao).
QUESTION_PHRASES = {
    ("bao", "nhieu"): ("bao", "nhiêu"), ("lam", "gi"): ("làm", "gì"), ("khi", "nao"): ("khi", "nào"),
    ("o", "dau"): ("ở", "đâu"), ("the", "nao"): ("thế", "nào"), ("vao", "dau"): ("vào", "đâu"),
    ("may", "lan"): ("mấy", "lần"), ("may", "buoi"): ("mấy", "buổi"), ("may", "ngay"): ("mấy", "ngày"),
    ("may", "thang"): ("mấy", "tháng"), ("may", "nam"): ("mấy", "năm"), ("may", "nguoi"): ("mấy", "người"),
    ("may", "gio"): ("mấy", "giờ"), ("thang", "may"): ("tháng", "mấy"), ("ngay", "may"): ("ngày", "mấy"),
    ("lan", "thu"): ("lần", "thứ"), ("ve", "dau"): ("về", "đâu"), ("den", "dau"): ("đến", "đâu"),
}
# Period phrases: "hang quy", "moi thang" are always "hằng/hàng quý", "mỗi tháng" — never "hằng quy" (quy định) or
# "mới tháng" — whatever the archive's counts say (a rare pair loses to a very frequent single word).
PERIOD_WORDS = {"ngay": "ngày", "tuan": "tuần", "thang": "tháng", "quy": "quý", "nam": "năm"}
PERIOD_LEADS = {"hang": ("hàng", "hằng"), "moi": ("mỗi",)}  # the archive's own choice among these is kept


@dataclass(frozen=True)
class Restoration:
    """The restored query and which words changed (original, restored)."""

    text: str
    changed: tuple[tuple[str, str], ...]


class DiacriticRestorer:
    """Bigram Viterbi over the exact forms of each loose word.

    exact_to_loose: int32 [n_exact] loose id of each exact id; loose_ids: loose key → loose id;
    exact_freq: int64 [n_exact] occurrences in the archive; bigram_keys: uint64 sorted (first << 32 | second)
    of adjacent exact ids; bigram_freq: uint32 counts; surfaces: most frequent lower-case spelling per exact id.
    """

    def __init__(self, exact_to_loose: np.ndarray, loose_ids: dict[str, int], exact_freq: np.ndarray,
                 bigram_keys: np.ndarray, bigram_freq: np.ndarray, surfaces: list[str]) -> None:
        self.loose_ids = loose_ids
        self.exact_freq = np.asarray(exact_freq, dtype=np.float64)
        self.bigram_keys = np.asarray(bigram_keys, dtype=np.uint64)
        self.bigram_freq = np.asarray(bigram_freq, dtype=np.float64)
        self.surfaces = surfaces
        self.total = float(self.exact_freq.sum()) + len(self.exact_freq) + 1.0
        e2l = np.asarray(exact_to_loose, dtype=np.int64)
        self._order = np.argsort(e2l, kind="stable")
        self._bounds = np.searchsorted(e2l[self._order], np.arange(len(loose_ids) + 1))

    @classmethod
    def from_index(cls, lexical) -> "DiacriticRestorer | None":
        """The restorer of a LexicalIndex, or None when the index carries no word statistics (built before them)."""
        stats = getattr(lexical, "language", None)
        if not stats or "exact" not in lexical.vocab:
            return None
        loose_ids = {key: i for i, key in enumerate(lexical.vocab["loose"])}
        return cls(lexical.exact_to_loose, loose_ids, stats["exact_freq"], stats["bigram_keys"],
                   stats["bigram_freq"], stats["surfaces"])

    def candidates(self, loose: str) -> np.ndarray:
        """Exact ids behind a loose key, most frequent first (at most MAX_CANDIDATES)."""
        lid = self.loose_ids.get(loose)
        if lid is None or lid + 1 >= len(self._bounds):
            return np.empty(0, dtype=np.int64)
        ids = self._order[self._bounds[lid]:self._bounds[lid + 1]]
        ids = ids[self.exact_freq[ids] > 0]
        if ids.size > MAX_CANDIDATES:
            ids = ids[np.argsort(-self.exact_freq[ids], kind="stable")[:MAX_CANDIDATES]]
        return ids

    def _log_prior(self, ids: np.ndarray) -> np.ndarray:
        return np.log((self.exact_freq[ids] + 1.0) / self.total)

    def _log_transition(self, prev: np.ndarray, cur: np.ndarray) -> np.ndarray:
        """[len(prev), len(cur)] log P(cur | prev): Jelinek-Mercer interpolation of the pair and unigram estimates.

        A fixed share for the unigram prior (not Dirichlet's μ / (c(prev) + μ)) keeps an unseen pair after a common
        word ("Lâm Đồng giao") as likely as after a rare misspelling ("Lâm đòng giao").
        """
        keys = (prev.astype(np.uint64)[:, None] << np.uint64(32)) | cur.astype(np.uint64)[None, :]
        flat = keys.ravel()
        if len(self.bigram_keys):
            pos = np.minimum(np.searchsorted(self.bigram_keys, flat), len(self.bigram_keys) - 1)
            counts = np.where(self.bigram_keys[pos] == flat, self.bigram_freq[pos], 0.0)
        else:
            counts = np.zeros(flat.size)
        pair = counts.reshape(keys.shape) / np.maximum(self.exact_freq[prev], 1.0)[:, None]
        prior = (self.exact_freq[cur] + 1.0) / self.total
        return np.log(PAIR_SHARE * np.minimum(pair, 1.0) + (1.0 - PAIR_SHARE) * prior[None, :])

    def restore(self, text: str, words: list[tuple[int, int, str, bool]]) -> Restoration | None:
        """Restore a query given its word tokens [(start, end, loose key, joined to previous)].

        Only plain ASCII words are replaced; others (numbers, codes such as "UBND") break the bigram chain.
        Returns None when no word changes.
        """
        slots: list[np.ndarray | None] = []
        for start, end, loose, _ in words:
            surface = text[start:end]
            if not _ASCII_WORD.fullmatch(surface) or (surface.isupper() and len(surface) > 1):
                slots.append(None)
                continue
            ids = self.candidates(loose)
            slots.append(ids if ids.size else None)
        chosen: dict[int, int] = {}
        i = 0
        while i < len(words):  # runs of adjacent restorable words are decoded together
            if slots[i] is None:
                i += 1
                continue
            j = i + 1
            while j < len(words) and slots[j] is not None:
                j += 1
            for k, e in zip(range(i, j), _viterbi(self, slots[i:j])):
                chosen[k] = e
            i = j
        fixed: dict[int, str] = {}
        for k in range(len(words) - 1):
            phrase = QUESTION_PHRASES.get((words[k][2], words[k + 1][2]))
            if phrase and text[words[k][0]:words[k + 1][1]].islower():
                fixed[k], fixed[k + 1] = phrase
        for k in range(len(words) - 1):
            (s0, e0, lead, _), (s1, e1, period, _) = words[k], words[k + 1]
            if lead not in PERIOD_LEADS or period not in PERIOD_WORDS or k in fixed or not all(
                    _ASCII_WORD.fullmatch(w) and not (w.isupper() and len(w) > 1) for w in (text[s0:e0], text[s1:e1])):
                continue
            forms = PERIOD_LEADS[lead]
            picked = self.surfaces[chosen[k]] if k in chosen else None
            fixed[k] = _recase(picked if picked in forms else forms[0], text[s0:e0])
            fixed[k + 1] = _recase(PERIOD_WORDS[period], text[s1:e1])
        out, last, changed = [], 0, []
        for k, (start, end, loose, _) in enumerate(words):
            surface = text[start:end]
            if k in fixed:
                new = fixed[k]
            elif loose in QUESTION_FORMS and surface.islower():
                new = QUESTION_FORMS[loose]
            elif k in chosen:
                new = _recase(self.surfaces[chosen[k]], surface)
            else:
                continue
            if new != surface:
                changed.append((surface, new))
            out.append(text[last:start])
            out.append(new)
            last = end
        out.append(text[last:])
        return Restoration("".join(out), tuple(changed)) if changed else None


def _viterbi(model: DiacriticRestorer, slots: list[np.ndarray]) -> list[int]:
    score = model._log_prior(slots[0])
    back: list[np.ndarray] = []
    for prev, cur in zip(slots, slots[1:]):
        total = score[:, None] + model._log_transition(prev, cur)
        back.append(np.argmax(total, axis=0))
        score = total.max(axis=0)
    best = int(np.argmax(score))
    path = [best]
    for pointers in reversed(back):
        best = int(pointers[best])
        path.append(best)
    path.reverse()
    return [int(ids[p]) for ids, p in zip(slots, path)]


def _recase(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
