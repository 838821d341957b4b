"""Which document a "who signed" question is about, and whether its signer was read."""
from __future__ import annotations

from indexer.model import DocumentInfo


def best_document_id(searcher, text: str) -> str | None:
    """doc_id of the best-ranked passage for `text`, ranked without the signer rule when the searcher offers that
    (Searcher.best_document_id), else its first hit; None when nothing matches."""
    if hasattr(searcher, "best_document_id"):
        return searcher.best_document_id(text)
    hits = searcher.search(text, k=1)
    return hits[0].doc_id if hits else None


def signers_found(doc: DocumentInfo, text: str) -> bool:
    """True when one of the document's signers is named in its text (`text`: the normalised document text)."""
    return any(name and name in text for name in doc.signers)
