""""Kế hoạch X số mấy, ngày nào?": the document's own number and date, said plainly when they are blank in the
archived copy (an unsigned draft: "Số: /KH-UBND", "ngày … tháng 01 năm 2026"), and the number and date under which
another document cites it ("Thực hiện Kế hoạch số 962/KH-UBND ngày 21/01/2026 … kiểm tra công tác cải cách hành
chính …"), which is then the answer.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from indexer.model import DocumentInfo
from indexer.text.vntext import key_loose
from search.answer.evidence import words_of
from search.answer.result import Answer, Citation, PlanAnswer, has_number, plan_label, show_date
from search.answer.signer import best_document_id
from search.query.citations import CITED, DOCUMENT_TYPES, canonical_type
from search.query.questions import Concept

# The document's own number ("số mấy", "số hiệu", "mang số", "có số, ngày nào") and date ("ngày ban hành", "ban hành
# ngày nào"); a bare "ngày nào" asks an event's date, "cơ sở" and "chỉ số nào" are not numbers.
_ASKS_NUMBER = re.compile(r"\b(?:so may|so hieu|so ky hieu|mang so|so van ban|which number|document number|"
                          r"reference number)\b|\bco so\s*,")
_ASKS_DATE = re.compile(r"\b(?:ngay ban hanh|ban hanh (?:vao )?(?:ngay|khi) nao|date of issue|issued on)\b")
_EVENT_DATE = re.compile(r"\bngay nao\b|\bwhat date\b")
CITED_SHARE = 0.8  # share of the trích yếu's words that must follow a citation for it to cite this document


def asks_number_or_date(loose: str) -> tuple[bool, bool]:
    """(asks the document's number, asks its date) from the question's loose key."""
    number = bool(_ASKS_NUMBER.search(loose))
    return number, bool(_ASKS_DATE.search(loose) or number and _EVENT_DATE.search(loose))


def number_and_date(corpus, searcher, q, plan) -> Answer | None:
    """The answer to a question asking a document's number or date, or None when it asks neither or no document
    matches. `plan(doc, citations)` builds a PlanAnswer."""
    loose = key_loose(q.text) if q.language == "vi" else q.text.lower()
    wants_number, wants_date = asks_number_or_date(loose)
    if not (wants_number or wants_date):
        return None
    doc = _asked_document(corpus, searcher, q.text, loose)
    if doc is None:
        return None
    own = _own_line(corpus, doc)
    said = [_number_phrase(doc)] * wants_number + [_date_phrase(doc)] * wants_date
    sentence = f"{plan_label(doc)}: {'; '.join(said)}."
    plans: list[PlanAnswer] = [plan(doc, [own] if own else [])]
    blank = wants_number and not has_number(doc.doc_number) or wants_date and not _full_date(doc.date)
    cited = _cited_elsewhere(corpus, doc) if blank else None
    if cited is not None:
        other, citation = cited
        sentence += f" Văn bản khác nhắc đến nó: “{citation.quote}” ({plan_label(other)})."
        plans.insert(0, plan(other, [citation]))
    return Answer(q.text, sentence, plans)


def _asked_document(corpus, searcher, text: str, loose: str) -> DocumentInfo | None:
    """The document the question names: of the type the question starts with ("Kế hoạch …"), among the best-ranked
    ten passages, the one whose trích yếu the question covers best (rank breaks ties: a passage of another plan
    citing this one may rank first), else the best-ranked one."""
    named = next((t for t in DOCUMENT_TYPES if loose.startswith(key_loose(t))), None)
    if named:
        asked = set(words_of(text))
        best: tuple[float, DocumentInfo] | None = None
        for hit in searcher.search(text, k=10):
            doc = corpus.documents.get(hit.doc_id)
            if doc is None or doc.doc_type != named:
                continue
            title = [w for w in words_of(doc.title or "") if w not in _LINKING]
            covered = sum(w in asked for w in title) / len(title) if title else 0.0
            if best is None or covered > best[0]:
                best = (covered, doc)
        if best is not None:
            return best[1]
    best = best_document_id(searcher, text)
    return corpus.documents.get(best) if best else None


def _number_phrase(doc: DocumentInfo) -> str:
    if has_number(doc.doc_number):
        return f"số ký hiệu {doc.doc_number}"
    if doc.doc_number:
        return f"bản lưu chưa điền số (“Số: {doc.doc_number}”)"
    return "không đọc được số ký hiệu"


def _date_phrase(doc: DocumentInfo) -> str:
    if _full_date(doc.date):
        return f"ngày ban hành {show_date(doc.date)}"
    if doc.date:
        return f"bản lưu chưa ghi ngày (chỉ có {show_date(doc.date)})"
    return "không đọc được ngày ban hành"


def _full_date(iso: str | None) -> bool:
    return bool(iso) and len(iso) == 10


def _own_line(corpus, doc: DocumentInfo) -> Citation | None:
    """The document's own "Số: …" line, quoted."""
    match = re.search(r"S[ốóoô]\s*:[^\n]{0,40}", corpus.normalized(doc.doc_id).text[:2000])
    if match is None:
        return None
    return Citation("", corpus.page_at(doc.doc_id, match.start()), match.group().strip())


def _cited_elsewhere(corpus, doc: DocumentInfo) -> tuple[DocumentInfo, Citation] | None:
    """Another document naming this one with a filled number: "Kế hoạch số 962/KH-UBND ngày 21/01/2026 về …" followed
    by this document's trích yếu (the words after the citation, up to the next ";" or ".", compared in order; the
    closest citation wins). Candidates come from the lexical index: documents holding most of the trích yếu's words."""
    if not doc.title:
        return None
    title = [w for w in words_of(doc.title) if w not in _LINKING]
    concepts = tuple(Concept(w, (w,)) for w in sorted(set(title)))
    candidates = corpus.candidate_documents(concepts, CITED_SHARE) if concepts else set()
    best: tuple[float, DocumentInfo, Citation] | None = None
    for other_id in sorted(candidates or ()):
        other = corpus.documents.get(other_id)
        if other is None or other_id == doc.doc_id:
            continue
        text = corpus.normalized(other_id).text
        for match in CITED.finditer(text):
            if doc.doc_type and canonical_type(match.group("type")) != doc.doc_type:
                continue
            end = match.end() + re.search(r"[;.\n]|$", text[match.end():match.end() + 400]).start()
            after = [w for w in words_of(text[match.end():end]) if w not in _LINKING][:len(title) + 4]
            ratio = SequenceMatcher(None, title, after, autojunk=False).ratio()
            if ratio >= CITED_SHARE and (best is None or ratio > best[0]):
                quote = text[match.start():end].strip()
                best = (ratio, other, Citation("", corpus.page_at(other_id, match.start()), quote))
    return (best[1], best[2]) if best else None


# Words between a citation and the cited trích yếu ("… ngày 21/01/2026 của UBND tỉnh về việc …").
_LINKING = frozenset("ve viec cua uy ban nhan dan ubnd tinh".split())
