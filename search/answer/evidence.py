"""Evidence for answers: the index's documents, duties and passages, and how well a passage covers a question."""
from __future__ import annotations

import math
import re
import threading
import weakref
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from indexer.duties.extract import sentence_spans
from indexer.store.lexical import LexicalQuery, QueryTerm
from indexer.model import DocumentInfo, Duty, NormalizedText
from indexer.text.vntext import key_loose
from search.query.questions import Concept

FULL_COVERAGE = 0.75  # share of topic concepts one passage must hold for a plan to answer a list question
ENGLISH_FULL_COVERAGE = 0.6  # the same for English questions, whose concepts are glossary translations
NEAR_COVERAGE = 0.5  # below this a plan is not even a near match

_WORD = re.compile(r"[a-z0-9]+")
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Passage:
    """One stored chunk with the keys used to check concepts against it."""

    doc_id: str
    section: str
    heading: str
    start: int
    end: int
    text: str

    @cached_property
    def sequence(self) -> tuple[str, ...]:
        return words_of(self.heading + " " + self.text)

    @cached_property
    def words(self) -> frozenset[str]:
        return word_set(self.heading + " " + self.text)

    @property
    def joined(self) -> str:
        return " " + " ".join(self.sequence) + " "


@lru_cache(maxsize=500_000)
def _loose_words(token: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(key_loose(token)))


def words_of(text: str) -> tuple[str, ...]:
    """Loose-key words of a text (what concepts are compared with); keys are computed once per distinct token."""
    out: list[str] = []
    for token in _TOKEN.findall(text):
        out.extend(_loose_words(token))
    return tuple(out)


def word_set(text: str) -> frozenset[str]:
    """The distinct loose-key words of a text (faster than words_of when order does not matter)."""
    out: set[str] = set()
    for token in set(_TOKEN.findall(text)):
        out.update(_loose_words(token))
    return frozenset(out)


def concept_in(concept: Concept, words: frozenset[str], sequence) -> bool:
    for alternative in concept.alternatives:
        parts = _WORD.findall(alternative)
        if not parts or any(p not in words for p in parts):
            continue
        if len(parts) == 1:
            return True
        # A phrase: its words are all there, now check that they are adjacent (the sequence is built only now).
        words_in_order = sequence() if callable(sequence) else sequence
        if " " + " ".join(parts) + " " in " " + " ".join(words_in_order) + " ":
            return True
    return False


def coverage(concepts: tuple[Concept, ...], words: frozenset[str], sequence) -> tuple[bool, float]:
    """(every required concept present, share of all concepts present); `sequence` may be a function."""
    if not concepts:
        return True, 1.0
    present = [concept_in(c, words, sequence) for c in concepts]
    required_ok = all(p for c, p in zip(concepts, present) if c.required)
    return required_ok, sum(present) / len(present)


def text_coverage(concepts: tuple[Concept, ...], text: str) -> tuple[bool, float]:
    sequence = words_of(text)
    return coverage(concepts, frozenset(sequence), sequence)


def best_sentence(text: str, concepts: tuple[Concept, ...]) -> tuple[int, int]:
    """The [start, end) span of the sentence of `text` that holds most concepts (the first one on ties)."""
    spans = sentence_spans(text) or [(0, len(text))]
    if not concepts:
        return spans[0]
    return max(spans, key=lambda s: (text_coverage(concepts, text[s[0]:s[1]])[1], -s[0]))


class Corpus:
    """Read-once view of an index for answering: documents, duties by document, passages, texts and pages."""

    def __init__(self, reader) -> None:
        # a weak reference: corpus_for keeps this Corpus in a WeakKeyDictionary keyed by the reader, and a strong
        # one would keep the key alive for ever (every generation a server ever answered from stayed open)
        self._reader = weakref.proxy(reader)
        self._lock = threading.Lock()
        self._passages: dict[str, list[Passage]] = {}
        self._texts: dict[str, NormalizedText] = {}

    @cached_property
    def documents(self) -> dict[str, DocumentInfo]:
        with self._lock:
            return {d.doc_id: d for d in self._reader.documents()}

    @cached_property
    def duties(self) -> dict[str, list[Duty]]:
        with self._lock:
            by_doc: dict[str, list[Duty]] = {}
            for duty in self._reader.duties():
                by_doc.setdefault(duty.doc_id, []).append(duty)
            return by_doc

    @cached_property
    def agency_names(self) -> tuple[str, ...]:
        """Agencies named in duties and as issuers: the question parser recognises them without diacritics."""
        names: set[str] = set()
        for duties in self.duties.values():
            for duty in duties:
                for value in (duty.recipient, duty.intermediary, duty.actor):
                    if value and len(value) <= 60:
                        names.update(part.strip() for part in value.split(","))
        for doc in self.documents.values():
            names.update(part.strip() for part in (doc.issuer or "").split(";"))
        return tuple(sorted(n for n in names if len(n) > 3))

    @cached_property
    def place_names(self) -> tuple[str, ...]:
        """Places read from document headers ("Lâm Đồng", "Lương Minh"): the parser recognises them unaccented."""
        return tuple(sorted({d.place for d in self.documents.values() if d.place and len(d.place) > 2}))

    def candidate_documents(self, concepts: tuple[Concept, ...], min_share: float) -> set[str] | None:
        """Documents that may hold a passage with every required concept and at least `min_share` of all concepts.

        Read off the lexical index's postings, so that a list question does not have to read every passage:
        with required concepts, the documents holding all of them; otherwise the documents holding one of the
        n - ceil(min_share * n) + 1 rarest concepts (a passage missing all of those cannot reach the share).
        None when the index cannot tell (then every document is a candidate).
        """
        lexical = self._reader.lexical()
        if not concepts or "loose" not in lexical.params.unigram_layers:
            return None
        postings = [self._concept_rows(lexical, c) for c in concepts]
        required = [rows for c, rows in zip(concepts, postings) if c.required]
        if required:
            docs = None
            for rows in required:
                found = self._documents_of(rows)
                docs = found if docs is None else docs & found
            return docs
        keep = len(concepts) - math.ceil(min_share * len(concepts)) + 1
        rarest = sorted(postings, key=len)[:max(keep, 1)]
        return self._documents_of(np.unique(np.concatenate(rarest))) if rarest else set()

    @staticmethod
    def _concept_rows(lexical, concept: Concept) -> np.ndarray:
        """Rows holding every word of at least one of the concept's alternatives."""
        found = []
        for alternative in concept.alternatives:
            rows = None
            for word in _WORD.findall(alternative):
                cols, _ = lexical.columns(LexicalQuery((QueryTerm("loose", (word,)),)))
                posting = (np.asarray(lexical.rows[int(lexical.indptr[cols[0]]):int(lexical.indptr[cols[0] + 1])])
                           if cols.size else np.empty(0, dtype=np.int64))
                rows = posting if rows is None else np.intersect1d(rows, posting)
            if rows is not None:
                found.append(rows)
        return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)

    def _documents_of(self, rows: np.ndarray) -> set[str]:
        if rows.size == 0:
            return set()
        with self._lock:
            return {chunk.doc_id for chunk in self._reader.chunk_rows([int(r) for r in rows])}

    def passages(self, doc_id: str) -> list[Passage]:
        with self._lock:
            if doc_id not in self._passages:
                self._passages[doc_id] = [Passage(c.doc_id, c.section, c.heading, c.start, c.end, c.text)
                                          for c in self._reader.document_chunks(doc_id)]
            return self._passages[doc_id]

    def normalized(self, doc_id: str) -> NormalizedText:
        with self._lock:
            if doc_id not in self._texts:
                self._texts[doc_id] = NormalizedText(self._reader.document_text(doc_id), self._reader.pages(doc_id))
            return self._texts[doc_id]

    def page_at(self, doc_id: str, offset: int) -> int | None:
        return self.normalized(doc_id).page_at(offset)


_CORPORA: "weakref.WeakKeyDictionary[object, Corpus]" = weakref.WeakKeyDictionary()
_CORPORA_LOCK = threading.Lock()


def corpus_for(reader) -> Corpus:
    """One Corpus per open index reader, so a long-lived Searcher loads duties and passages once."""
    with _CORPORA_LOCK:
        corpus = _CORPORA.get(reader)
        if corpus is None:
            corpus = Corpus(reader)
            _CORPORA[reader] = corpus
        return corpus
