"""Document-level relevance for topic lists: is a document ABOUT the topic (its trích yếu says so) or does it only
mention it in the body?

"Các kế hoạch về cải cách hành chính năm 2026" wants the plans whose subject is administrative reform, not every plan
with a sentence on it. The cut is principled: when some documents carry the topic in their trích yếu (or, when the
header was not read, in the first lines of the text), those are the answer and the documents that only mention it are
named after them ("… và N văn bản khác chỉ nhắc đến"); when none does, every document that covers the topic stays.
"""
from __future__ import annotations

import re

from indexer.model import DocumentInfo
from indexer.text.vntext import key_loose
from search.answer.evidence import words_of
from search.answer.units import topic_units, units_coverage
from search.answer.result import Citation
from search.query.questions import Question

HEAD_CHARS = 600  # the header area of a document whose trích yếu was not parsed
PURPOSE_CHARS = 700  # the opening after the trích yếu: "Thực hiện …", "I. MỤC ĐÍCH, YÊU CẦU …"


def subject_text(corpus, doc: DocumentInfo) -> str:
    """What a document says it is about: its trích yếu and the opening that follows it (the purpose), else the first
    HEAD_CHARS characters of its text."""
    text = corpus.normalized(doc.doc_id).text if corpus is not None else ""
    if doc.title:
        end = title_end(text, doc.title)
        return doc.title + ("\n" + text[end:end + PURPOSE_CHARS] if end >= 0 else "")
    return text[:HEAD_CHARS]


def title_end(text: str, title: str) -> int:
    """Where the trích yếu ends in the text (-1 when not found); the text may break its lines anywhere in it."""
    at = text.find(title)
    if at >= 0:
        return at + len(title)
    words = title.split()
    match = re.search(r"\s+".join(re.escape(w) for w in words), text) if words else None
    return match.end() if match else -1


def is_about(corpus, doc: DocumentInfo, q: Question, full_share: float) -> bool:
    """True when the document's subject (trích yếu) holds the question's topic, its adjacent words as one term
    (search/answer/units.py)."""
    units = topic_units(q)
    if not units:
        return False
    required_ok, share = units_coverage(units, subject_text(corpus, doc), q.text)
    return required_ok and share >= (1.0 if len(units) < 4 else full_share)


# A dated event ("Hội nghị … tổ chức ngày 22/01/2026"): the date identifies it, so every document whose passage names
# it at that date answers, also a quarterly report that gives it a paragraph.
_DATED_EVENT = re.compile(r"\b\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*(?:19|20)\d{2}\b")


def split_by_subject(corpus, found: list, q: Question, full_share: float) -> tuple[list, list]:
    """(about, mentions) of the (doc, verdict) pairs of a topic-only list question; all stay "about" when no
    document carries the topic in its trích yếu, the question constrains duties (then the body is the point) or names
    a dated event (its date, a required concept, is in the passage)."""
    if q.has_duty_constraints or not q.concepts or _DATED_EVENT.search(key_loose(q.text)):
        return found, []
    about = [item for item in found if is_about(corpus, item[0], q, full_share)]
    if not about:
        return found, []
    mentions = [item for item in found if item not in about]
    return about, mentions


_RECIPIENT_LIST = re.compile(r"(?m)^\W*N[ơo]i nh[ậa]n\s*:", re.I)


def with_subject(doc: DocumentInfo, passage, q: Question) -> tuple[frozenset[str], tuple[str, ...]]:
    """(words, word sequence) of a passage as evidence for a list question. The "Nơi nhận:" list at its end is cut
    off: it names who gets a copy, not who is given a task. A question giving an agency a task ("kế hoạch cải cách
    hành chính … giao Báo và Phát thanh, Truyền hình tỉnh làm nhiệm vụ tuyên truyền") reads the passage under its
    document's trích yếu: the trích yếu says "cải cách hành chính", the passage "Báo và Đài Phát thanh … tuyên
    truyền … CCHC"."""
    cut = _RECIPIENT_LIST.search(passage.text)
    if cut is None:
        words, sequence = passage.words, passage.sequence
    else:
        sequence = words_of(passage.heading + " " + passage.text[:cut.start()])
        words = frozenset(sequence)
    if not q.actor:
        return words, sequence
    title = words_of(doc.title or "")
    return words | frozenset(title), title + ("",) + sequence


def header_citation(corpus, doc: DocumentInfo) -> Citation:
    """The document's own words for what it is, when a list question asks only for documents of a type, issuer,
    place or signer: its trích yếu as written in the text, else its first line."""
    text = corpus.normalized(doc.doc_id).text
    at = text.find(doc.title) if doc.title else -1
    if at >= 0:
        return Citation("", corpus.page_at(doc.doc_id, at), doc.title)
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return Citation("", corpus.page_at(doc.doc_id, 0), first[:200])
