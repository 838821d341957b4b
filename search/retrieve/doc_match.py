"""Document-level matching on metadata (title, issuer, number, type, place, date, signers) for metadata intents."""
from __future__ import annotations

import threading

import numpy as np

from indexer.store.lexical import LexicalIndex
from indexer.model import DocumentInfo
from search.query.parse import ParsedQuery

SIGNER_DOCS = 2  # signature passages put first for a "who signed" question
SIGNER_MIN_SHARE = 0.5  # … only for documents scoring at least this share of the best document


def metadata_text(info: DocumentInfo) -> str:
    parts = [info.doc_type, info.doc_number, info.title, info.issuer, info.place, info.date, *info.signers]
    return "\n".join(p for p in parts if p)


class DocumentMatcher:
    """A small BM25 index whose rows are documents, built from their metadata on first use."""

    def __init__(self, documents: list[DocumentInfo]) -> None:
        self.documents = documents
        self._index: LexicalIndex | None = None
        self._lock = threading.Lock()

    def _lexical(self) -> LexicalIndex:
        with self._lock:
            if self._index is None:
                self._index = LexicalIndex.build([metadata_text(d) for d in self.documents])
            return self._index

    def best(self, parsed: ParsedQuery, n: int) -> list[tuple[DocumentInfo, float]]:
        """Up to n documents whose metadata matches the query, best first."""
        if not self.documents:
            return []
        rows, scores = self._lexical().search(parsed.lexical, n)
        return [(self.documents[int(r)], float(s)) for r, s in zip(rows, scores)]


def signature_passages(matcher: DocumentMatcher, reader, parsed: ParsedQuery) -> list[tuple[int, float]]:
    """(row, document score) of the passage naming the signer, for the documents a "who signed" query points at."""
    ranked = matcher.best(parsed, SIGNER_DOCS)
    if not ranked:
        return []
    top = ranked[0][1]
    found = []
    for info, score in ranked:
        if score < SIGNER_MIN_SHARE * top or not info.signers:
            continue
        chunks = reader.document_chunks(info.doc_id)
        # The signature block closes the document: search from the end.
        for chunk in reversed(chunks):
            if any(name in chunk.text for name in info.signers):
                found.append((int(chunk.row), score))
                break
    return found


def put_first(rows: np.ndarray, scores: np.ndarray, first: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """The `first` rows ahead of the ranked list (without duplicates), scored above its head so order stays descending."""
    if not first:
        return rows, scores
    head = float(scores[0]) if scores.size else 0.0
    lead_rows = [r for r, _ in first]
    lead_scores = [head + s for _, s in first]
    keep = ~np.isin(rows, lead_rows)
    new_rows = np.concatenate([np.asarray(lead_rows, dtype=np.int64), rows[keep]])
    new_scores = np.concatenate([np.asarray(lead_scores, dtype=np.float32), scores[keep].astype(np.float32)])
    return new_rows, new_scores
