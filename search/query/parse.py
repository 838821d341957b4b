"""Query understanding: accent level, language, stopwords, abbreviation and glossary expansion → weighted lexical terms."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.store.lexical import LexicalQuery, QueryTerm, Token, analyze, exact_key
from indexer.text.vntext import normalize

from search.query.intents import asks_for_documents_question, detect_intent

_DATA = Path(__file__).resolve().parents[1] / "data"

# A loose-key string that Vietnamese spelling allows as one syllable; English words mostly fail it ("which", "plans").
_VI_SYLLABLE = re.compile(r"(?:ngh|ch|gh|gi|kh|ng|nh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?")

# Question and function words: kept, at low weight, because they still help a little inside bigrams.
_VI_STOP_EXACT = frozenset({
    "nào", "những", "gì", "ai", "đâu", "sao", "bao", "nhiêu", "là", "của", "và", "các", "có", "được", "không",
    "cho", "với", "trong", "một", "như", "thì", "mà", "này", "đó", "ở", "về", "hay", "hoặc", "để", "theo", "khi",
    "đến", "từ", "tại", "do", "bởi",
})
_VI_STOP_LOOSE = frozenset({"nao", "nhung", "gi", "ai", "dau", "sao", "la", "cua", "va", "cac", "co",
                            "duoc", "khong", "cho", "voi", "trong", "mot", "nhu", "thi", "ma", "nay", "do", "o", "ve",
                            "hay", "hoac", "de", "theo", "khi", "den", "tu", "tai", "boi"})
_STOP_EXACT_KEYS = frozenset(exact_key(w) for w in _VI_STOP_EXACT)
# Words that, next to a question word, only name what is asked for ("kế hoạch nào", "which plans").
_ASKED_FOR = frozenset({"ke hoach", "van ban", "plan", "plans", "document", "documents"})
_QUESTION_WORDS = frozenset({"nao", "nhung", "gi", "which", "what", "whose"})
_EN_STOP = frozenset({
    "a", "an", "the", "of", "to", "for", "in", "on", "at", "by", "with", "about", "and", "or", "is", "are", "was",
    "were", "be", "been", "which", "what", "who", "whom", "whose", "that", "this", "these", "those", "there", "it",
    "its", "do", "does", "did", "how", "when", "where", "why", "any", "all", "some", "s", "from", "into", "as",
    "than", "must", "should", "shall", "can", "may", "will", "would", "has", "have", "had", "their", "them", "they",
})

# Layer weights. An accented query term prefers an accent-exact match, then a tone-insensitive one, then a loose
# one; an unaccented term can only be matched loosely. Bigrams reward adjacency (phrases) over scattered words.
W_EXACT, W_TONE, W_LOOSE = 0.6, 0.15, 0.25
W_UNACCENTED = 1.0
W_BIGRAM = 0.6
# A whole identifier ("25/KH-UBND", "15/2023/NĐ-CP") is one term: strong, while its pieces ("25", "KH", "UBND")
# count little, so a passage citing 15/2022/NĐ-CP and 51/2023/NĐ-CP does not outscore one holding 15/2023/NĐ-CP
# (shared/cases/09-document-number-query).
W_COMPOUND = 2.5
W_COMPOUND_PART = 0.3
W_STOP = 0.15
W_EXPANSION = 0.6
W_GLOSSARY = 1.0
W_ENGLISH_LEFTOVER = 0.3
ACCENTED_SHARE = 0.3  # above this share of marked syllables the whole query is read as accented

@dataclass(frozen=True)
class Expansion:
    """One rewrite added to the query: what was matched and what was added."""

    kind: str  # "abbreviation" | "glossary"
    matched: str
    added: str


@dataclass(frozen=True)
class ParsedQuery:
    """What the retriever needs from a query: its normalised text, weighted lexical terms and why they are there."""

    text: str
    language: str  # "vi" | "en"
    is_unaccented: bool
    lexical: LexicalQuery
    expansions: tuple[Expansion, ...]
    highlight_terms: frozenset[tuple[str, str]]  # (layer, key) of content unigrams, for highlighting
    concepts: tuple[Concept, ...] = ()  # per query word / adjacent pair: the terms that stand for it
    intent: str | None = None  # "signer" when the query asks who signed a document
    restored: str | None = None  # the query with diacritics restored from the archive (unaccented queries only)
    asks_for_documents: bool = False  # "kế hoạch nào …", "which plans …": the answer is a set of documents

    @property
    def dense_text(self) -> str:
        """What the embedding model gets: the restored query when there is one (the model reads accented text)."""
        if self.restored:
            return self.restored
        if self.language == "en":
            # The embedding model's English→Vietnamese margins are small (research/offline-e5.md): the question
            # goes with the Vietnamese terms the glossary found for it.
            added = list(dict.fromkeys(e.added for e in self.expansions if e.kind == "glossary"))
            if added:
                return f"{self.text} ({'; '.join(added)})"
        return self.text

    def terms_in(self, layer: str) -> list[QueryTerm]:
        return [t for t in self.lexical.terms if t.layer == layer]


Concept = tuple[tuple[str, tuple[str, ...], float], ...]  # alternatives (layer, keys, weight) for one query word or pair


class _Terms:
    """Collects weighted terms, the concept each belongs to (for proximity) and the words to highlight."""

    def __init__(self) -> None:
        self.weights: dict[tuple[str, tuple[str, ...]], float] = {}
        self.concepts: list[dict[tuple[str, tuple[str, ...]], float]] = []
        self.highlight: set[tuple[str, str]] = set()

    def concept(self) -> dict[tuple[str, tuple[str, ...]], float]:
        self.concepts.append({})
        return self.concepts[-1]

    def put(self, concept: dict, layer: str, keys: tuple[str, ...], weight: float) -> None:
        # The strongest reason for a term wins; adding would let a word counted twice (query + expansion) dominate.
        key = (layer, keys)
        if weight > self.weights.get(key, 0.0):
            self.weights[key] = weight
        if weight > concept.get(key, 0.0):
            concept[key] = weight

    def lexical(self) -> LexicalQuery:
        return LexicalQuery(tuple(QueryTerm(layer, keys, w) for (layer, keys), w in self.weights.items() if w > 0))

    def frozen_concepts(self) -> tuple[Concept, ...]:
        return tuple(tuple((layer, keys, w) for (layer, keys), w in c.items()) for c in self.concepts if c)


@dataclass(frozen=True)
class _Entry:
    variants: tuple[tuple[str, ...], ...]  # loose-key token sequences that trigger the entry
    targets: tuple[str, ...]  # phrases added when it triggers
    both_ways: bool = True


@lru_cache(maxsize=4096)
def _loose_seq(text: str) -> tuple[str, ...]:
    """The loose keys of a text's syllables (cached: the abbreviation expansions are looked up for every query)."""
    return tuple(t.loose for t in analyze(text, compounds=False))


@lru_cache(maxsize=None)
def load_abbreviations(path: Path = _DATA / "abbreviations.tsv") -> tuple[_Entry, ...]:
    """Rows of abbreviations.tsv: (abbreviation variants, expansion); doc-type codes only expand one way."""
    entries = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            abbrs = tuple(dict.fromkeys(_loose_seq(v) for v in cols[0].split("|") if v.strip()))
            scope = cols[2].strip() if len(cols) > 2 else ""
            entries.append(_Entry(abbrs, (cols[1].strip(), cols[0].split("|")[0].strip()), scope != "doctype"))
    return tuple(entries)


@lru_cache(maxsize=None)
def load_glossary(path: Path = _DATA / "glossary.tsv") -> tuple[_Entry, ...]:
    """Rows of glossary.tsv: English variants → Vietnamese alternatives."""
    entries = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            english, vietnamese = line.rstrip("\n").split("\t")[:2]
            variants = tuple(dict.fromkeys(_loose_seq(v) for v in english.split("|") if v.strip()))
            entries.append(_Entry(variants, tuple(v.strip() for v in vietnamese.split("|") if v.strip())))
    return tuple(entries)


def _is_marked(token: Token) -> bool:
    return token.exact != token.loose


def _is_vietnamese_syllable(key: str) -> bool:
    return _VI_SYLLABLE.fullmatch(key) is not None


def guess_language(text: str, tokens: list[Token] | None = None) -> str:
    """"en" when several words cannot be Vietnamese syllables (and are not upper-case codes), else "vi"."""
    tokens = tokens if tokens is not None else [t for t in analyze(text, compounds=False)]
    words = [t for t in tokens if not t.compound and t.loose.isalpha()]
    if not words:
        return "vi"
    if sum(_is_marked(t) for t in words) / len(words) >= 0.5:
        return "vi"
    foreign = [t for t in words
               if not _is_marked(t) and not text[t.start:t.end].isupper() and not _is_vietnamese_syllable(t.loose)]
    return "en" if len(foreign) >= 2 and len(foreign) / len(words) >= 0.3 else "vi"


class QueryUnderstanding:
    """Turns a user query into weighted lexical terms (reusable; holds the abbreviation table and glossary)."""

    def __init__(self, abbreviations: tuple[_Entry, ...] | None = None, glossary: tuple[_Entry, ...] | None = None,
                 restorer=None):
        """restorer: a search.query.restore.DiacriticRestorer over the archive's words, or None (no restoration)."""
        self.abbreviations = load_abbreviations() if abbreviations is None else abbreviations
        self.glossary = load_glossary() if glossary is None else glossary
        self.restorer = restorer

    def parse(self, query: str) -> ParsedQuery:
        text = normalize(query)
        tokens = analyze(text)
        words = [t for t in tokens if not t.compound]
        alpha = [t for t in words if any(c.isalpha() for c in t.loose)]
        marked = sum(_is_marked(t) for t in alpha)
        accented_query = bool(alpha) and marked / len(alpha) >= ACCENTED_SHARE
        language = guess_language(text, words)
        terms = _Terms()

        factors, asked = self._token_factors(text, words, language)
        spans = [(t.start, t.end) for t in tokens if t.compound]
        if spans:
            factors = [f * W_COMPOUND_PART if any(a <= w.start and w.end <= b for a, b in spans) else f
                       for f, w in zip(factors, words)]
        accented = [accented_query or _is_marked(t) for t in words]
        self._add_words(words, factors, accented, 1.0, terms)
        for word in words:  # pieces of an identifier still light up in the passage
            if any(a <= word.start and word.end <= b for a, b in spans):
                terms.highlight.add(("loose", word.loose))
        for token in tokens:
            if token.compound:
                concept = terms.concept()
                for layer in ("exact", "loose"):
                    terms.put(concept, layer, (token.key(layer),), W_COMPOUND)

        expansions: list[Expansion] = []
        loose_words = [t.loose for t in words]
        present = set(loose_words)
        for entry, first_keys in self._abbreviation_keys():
            if not first_keys.isdisjoint(present):  # else no variant and not the expansion can occur: nothing to do
                self._expand_abbreviation(entry, text, words, loose_words, terms, expansions)
        if language == "en":
            for start, length, entry in _longest_matches(self.glossary, loose_words):
                matched = " ".join(loose_words[start:start + length])
                asked_for = any(i in asked for i in range(start, start + length))
                weight = W_GLOSSARY * (W_STOP if asked_for else 1.0)
                for target in entry.targets:
                    self._add_phrase(target, weight, terms)
                    expansions.append(Expansion("glossary", matched, target))
        return ParsedQuery(
            text=text,
            language=language,
            is_unaccented=marked == 0,
            lexical=terms.lexical(),
            expansions=tuple(expansions),
            highlight_terms=frozenset(terms.highlight),
            concepts=terms.frozen_concepts(),
            intent=detect_intent(loose_words),
            restored=self._restore(text, words, language) if marked == 0 else None,
            # a question naming a document by its number is about that document, not a set of documents
            asks_for_documents=(bool(asked) or asks_for_documents_question(loose_words))
            and not any(t.compound and "/" in text[t.start:t.end] for t in tokens),
        )

    def _restore(self, text: str, words: list[Token], language: str) -> str | None:
        if self.restorer is None or language != "vi":
            return None
        found = self.restorer.restore(text, [(t.start, t.end, t.loose, t.joined) for t in words])
        return found.text if found else None

    # ---- pieces ------------------------------------------------------------------------------------------

    @staticmethod
    def _token_factors(text: str, words: list[Token], language: str) -> tuple[list[float], set[int]]:
        """Weight factor per word (1.0 content, W_STOP function words) and the words that only name what is asked for."""
        factors = []
        for token in words:
            if _is_marked(token):
                stop = token.exact in _STOP_EXACT_KEYS
            elif language == "en":
                stop = token.loose in _EN_STOP
            else:
                stop = token.loose in _VI_STOP_LOOSE
            factor = W_STOP if stop else 1.0
            # In an English query an unaccented word that no glossary entry covers rarely occurs in Vietnamese
            # text; upper-case codes (PCI, SIPAS) do, and keep their weight.
            if language == "en" and not stop and not _is_marked(token) and not text[token.start:token.end].isupper():
                factor = W_ENGLISH_LEFTOVER
            factors.append(factor)
        loose = [t.loose for t in words]
        asked: set[int] = set()
        for q, key in enumerate(loose):
            if key not in _QUESTION_WORDS:
                continue
            for span in (1, 2):
                for start in (q + 1, q - span):
                    if start >= 0 and start + span <= len(loose) and " ".join(loose[start:start + span]) in _ASKED_FOR:
                        asked.update(range(start, start + span))
        for i in asked:
            factors[i] = W_STOP
        return factors, asked

    @staticmethod
    def _add_words(words: list[Token], factors: list[float], accented: list[bool], scale: float, terms: _Terms) -> None:
        for i, token in enumerate(words):
            f = factors[i] * scale
            concept = terms.concept()
            if accented[i]:
                terms.put(concept, "exact", (token.exact,), W_EXACT * f)
                terms.put(concept, "tone", (token.tone,), W_TONE * f)
                terms.put(concept, "loose", (token.loose,), W_LOOSE * f)
            else:
                terms.put(concept, "loose", (token.loose,), W_UNACCENTED * f)
            if factors[i] == 1.0:
                terms.highlight.add(("exact", token.exact) if accented[i] else ("loose", token.loose))
            if i and token.joined:
                prev = words[i - 1]
                fb = min(factors[i], factors[i - 1]) * scale * W_BIGRAM
                concept = terms.concept()
                if accented[i] and accented[i - 1]:
                    terms.put(concept, "exact", (prev.exact, token.exact), (W_EXACT + W_TONE) * fb)
                    terms.put(concept, "loose", (prev.loose, token.loose), W_LOOSE * fb)
                else:
                    terms.put(concept, "loose", (prev.loose, token.loose), W_UNACCENTED * fb)

    def _add_phrase(self, phrase: str, weight: float, terms: _Terms) -> None:
        words = analyze(phrase, compounds=False)
        self._add_words(words, [1.0] * len(words), [True] * len(words), weight, terms)

    def _abbreviation_keys(self) -> list[tuple[_Entry, frozenset[str]]]:
        """Each abbreviation entry with the first loose key of each variant and of its expansion (computed once)."""
        keys = self.__dict__.get("_entry_keys")
        if keys is None:
            keys = self._entry_keys = [
                (entry, frozenset([v[0] for v in entry.variants if v] + list(_loose_seq(entry.targets[0])[:1])))
                for entry in self.abbreviations]
        return keys

    def _expand_abbreviation(self, entry, text, words, loose_words, terms: _Terms, expansions) -> None:
        expansion, abbreviation = entry.targets
        expansion_seq = _loose_seq(expansion)
        # Abbreviation typed → add its expansion (short codes only when written in capitals, since "tu"/"da"
        # are also ordinary syllables).
        for variant in entry.variants:
            for start in _find(loose_words, variant):
                surface = text[words[start].start:words[start + len(variant) - 1].end]
                if len(variant) == 1 and _is_vietnamese_syllable(variant[0]) and not surface.isupper():
                    continue
                if _find(loose_words, expansion_seq):
                    continue
                self._add_phrase(expansion, W_EXPANSION, terms)
                expansions.append(Expansion("abbreviation", surface, expansion))
                break
        # Expansion typed → add the abbreviation.
        if entry.both_ways and len(expansion_seq) >= 2:
            for start in _find(loose_words, expansion_seq):
                if any(_find(loose_words, v) for v in entry.variants):
                    break
                surface = text[words[start].start:words[start + len(expansion_seq) - 1].end]
                for variant in entry.variants[:1]:
                    for key in variant:
                        terms.put(terms.concept(), "loose", (key,), W_EXPANSION * W_UNACCENTED)
                        terms.highlight.add(("loose", key))
                    for a, b in zip(variant, variant[1:]):
                        terms.put(terms.concept(), "loose", (a, b), W_EXPANSION * W_BIGRAM)
                expansions.append(Expansion("abbreviation", surface, abbreviation))
                break


def _find(seq: list[str], pattern: tuple[str, ...]) -> list[int]:
    n = len(pattern)
    if not n or pattern[0] not in seq:  # most table entries are not in a query: one scan in C decides
        return []
    return [i for i in range(len(seq) - n + 1) if tuple(seq[i:i + n]) == pattern]


def _longest_matches(entries: tuple[_Entry, ...], seq: list[str]) -> list[tuple[int, int, _Entry]]:
    """Greedy left-to-right longest match of entry variants over a token sequence."""
    by_first: dict[str, list[tuple[tuple[str, ...], _Entry]]] = {}
    for entry in entries:
        for variant in entry.variants:
            if variant:
                by_first.setdefault(variant[0], []).append((variant, entry))
    out = []
    i = 0
    while i < len(seq):
        best: tuple[int, _Entry] | None = None
        for variant, entry in by_first.get(seq[i], []):
            n = len(variant)
            if tuple(seq[i:i + n]) == variant and (best is None or n > best[0]):
                best = (n, entry)
        if best is None:
            i += 1
            continue
        out.append((i, best[0], best[1]))
        i += best[0]
    return out
