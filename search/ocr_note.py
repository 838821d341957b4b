"""OCR provenance of a cited page: its Tesseract confidence (read once per document) and the note shown beside it."""
from __future__ import annotations

import threading
import weakref
from dataclasses import replace

# reader → doc_id → {page number: confidence} of the pages that were OCR'd; an index generation never changes,
# so a document's pages are read once per open reader.
_OCR_PAGES: "weakref.WeakKeyDictionary[object, dict[str, dict[int, float]]]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def ocr_confidence(reader, doc_id: str, page: int | None) -> float | None:
    """Mean Tesseract confidence (0–100) of a document's page when its text came from OCR, else None.

    reader: an indexer.store.reader.IndexReader (anything with pages(doc_id) -> list[PageSpan]).
    """
    if page is None:
        return None
    return _ocr_pages(reader, doc_id).get(page)


def _ocr_pages(reader, doc_id: str) -> dict[int, float]:
    with _LOCK:
        by_doc = _OCR_PAGES.setdefault(reader, {})
        pages = by_doc.get(doc_id)
    if pages is None:
        # Read outside the lock: the reader serialises its own store access.
        pages = {p.number: p.ocr_confidence for p in reader.pages(doc_id) if p.ocr_confidence is not None}
        with _LOCK:
            by_doc[doc_id] = pages
    return pages


def ocr_note(confidence: float | None) -> str:
    """"chữ nhận dạng (OCR), độ tin cậy 94%" for an OCR'd page; "" for a page with a text layer (None)."""
    if confidence is None:
        return ""
    return f"chữ nhận dạng (OCR), độ tin cậy {min(max(confidence, 0.0), 100.0):.0f}%"


def with_ocr_confidence(reader, answer):
    """The answer (search.answer.compose.Answer) with each citation's `ocr_confidence` filled from its page."""
    def plan_with(plan):
        return replace(plan, citations=[replace(c, ocr_confidence=ocr_confidence(reader, plan.doc_id, c.page))
                                        for c in plan.citations])

    return replace(answer, plans=[plan_with(p) for p in answer.plans],
                   near_matches=[plan_with(p) for p in answer.near_matches])


LOW_CONFIDENCE = 75.0  # mean Tesseract word confidence (0–100) under which an OCR'd page should be checked by eye


def low_confidence_pages(pages) -> list[tuple[int, float]]:
    """(page number, confidence) of the OCR'd pages with text whose confidence is under LOW_CONFIDENCE.

    pages: PageSpans (indexer.model.PageSpan) of one document; a blank page (no text) is not listed.
    """
    return [(p.number, p.ocr_confidence) for p in pages
            if p.ocr_confidence is not None and p.ocr_confidence < LOW_CONFIDENCE and p.end > p.start]


def low_confidence_note(pages) -> str:
    """"OCR độ tin cậy thấp: trang 7 (69%) — nên đối chiếu bản gốc" for a document's weak OCR pages; "" if none."""
    low = low_confidence_pages(pages)
    if not low:
        return ""
    listed = ", ".join(f"trang {number} ({max(confidence, 0.0):.0f}%)" for number, confidence in low)
    return f"OCR độ tin cậy thấp: {listed} — nên đối chiếu bản gốc"
