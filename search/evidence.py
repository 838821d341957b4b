"""Evidence for answers: the index's documents, duties and passages, and how well a passage covers a question."""
from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass
from functools import cached_property

from indexer.duties import sentence_spans
from indexer.model import DocumentInfo, Duty, NormalizedText
from indexer.vntext import key_loose
from search.questions import Concept

FULL_COVERAGE = 0.75  # share of topic concepts one passage must hold for a plan to answer a list question
ENGLISH_FULL_COVERAGE = 0.6  # the same for English questions, whose concepts are glossary translations
NEAR_COVERAGE = 0.5  # below this a plan is not even a near match

_WORD = re.compile(r"[a-z0-9]+")


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
    def words(self) -> frozenset[str]:
        return frozenset(_WORD.findall(key_loose(self.heading + " " + self.text)))

    @cached_property
    def joined(self) -> str:
        return " " + " ".join(_WORD.findall(key_loose(self.heading + " " + self.text))) + " "


def words_of(text: str) -> list[str]:
    """Loose-key words of a text (what concepts are compared with)."""
    return _WORD.findall(key_loose(text))


def concept_in(concept: Concept, words: frozenset[str], joined: str) -> bool:
    for alternative in concept.alternatives:
        parts = _WORD.findall(alternative)
        if len(parts) == 1 and parts[0] in words:
            return True
        if len(parts) > 1 and " " + " ".join(parts) + " " in joined:
            return True
    return False


def coverage(concepts: tuple[Concept, ...], words: frozenset[str], joined: str) -> tuple[bool, float]:
    """(every required concept present, share of all concepts present)."""
    if not concepts:
        return True, 1.0
    present = [concept_in(c, words, joined) for c in concepts]
    required_ok = all(p for c, p in zip(concepts, present) if c.required)
    return required_ok, sum(present) / len(present)


def text_coverage(concepts: tuple[Concept, ...], text: str) -> tuple[bool, float]:
    words = _WORD.findall(key_loose(text))
    return coverage(concepts, frozenset(words), " " + " ".join(words) + " ")


def best_sentence(text: str, concepts: tuple[Concept, ...]) -> tuple[int, int]:
    """The [start, end) span of the sentence of `text` that holds most concepts (the first one on ties)."""
    spans = sentence_spans(text) or [(0, len(text))]
    if not concepts:
        return spans[0]
    return max(spans, key=lambda s: (text_coverage(concepts, text[s[0]:s[1]])[1], -s[0]))


class Corpus:
    """Read-once view of an index for answering: documents, duties by document, passages, texts and pages."""

    def __init__(self, reader) -> None:
        self._reader = reader
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
