"""The document-context field of the lexical side: BM25 over one header line per document (type, số ký hiệu,
trích yếu, issuer, place, year — indexer.structure.context.document_header), spread to every passage of the document.

The passage's own postings already carry its context (indexer.model.indexed_text: that alone lifted Hit@3 on the
real dev questions from 0.633 to 0.761); this field adds a document-level score on top, BM25 computed over
documents rather than passages (a province or plan name is rare among documents, common among one document's
passages): lexical score = BM25(context + passage) + weight × BM25(header of its document), 0.761 → 0.783 at weight
0.25 (search.evaluate_sweep, docs/EVALUATION.md).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from indexer.store.lexical import LexicalIndex, LexicalQuery

CONTEXT_DIR = "documents"  # inside the generation's lexical/ folder
_ROW_DOC = "row_doc.npy"


class DocumentContextIndex:
    """headers[i] is document i's header line; row_doc[r] (int32, length n_rows) the document of passage row r."""

    def __init__(self, lexical: LexicalIndex, row_doc: np.ndarray) -> None:
        self.lexical = lexical
        self.row_doc = np.asarray(row_doc)

    @classmethod
    def build(cls, headers: Sequence[str], row_doc: np.ndarray) -> "DocumentContextIndex":
        row_doc = np.asarray(row_doc, dtype=np.int32)
        if row_doc.size and (row_doc.min() < 0 or row_doc.max() >= len(headers)):
            raise ValueError(f"row_doc points outside the {len(headers)} documents")
        return cls(LexicalIndex.build(list(headers)), row_doc)

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        self.lexical.save(directory)
        np.save(directory / _ROW_DOC, np.ascontiguousarray(self.row_doc, dtype=np.int32), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, mmap: bool = True) -> "DocumentContextIndex | None":
        """The saved field, or None when the generation has none (built before it existed)."""
        directory = Path(directory)
        if not (directory / _ROW_DOC).is_file():
            return None
        row_doc = np.load(directory / _ROW_DOC, mmap_mode="r" if mmap else None, allow_pickle=False)
        return cls(LexicalIndex.load(directory, mmap=mmap), row_doc)

    def document_scores(self, query: LexicalQuery) -> np.ndarray:
        """float32 [n_documents]: BM25 of each document's header line."""
        return self.lexical.scores(query)

    def row_scores(self, query: LexicalQuery) -> np.ndarray:
        """float32 [n_rows]: each passage gets its document's header score."""
        scores = self.document_scores(query)
        if not scores.any():
            return np.zeros(self.row_doc.shape[0], dtype=np.float32)
        return scores[self.row_doc]
