"""Which constraints of a question are about the document and which about its content, said in words.

A document type ("kế hoạch" vs "quyết định") and an issuer are about the document: they filter. A year in a list
question is about the document too, but a plan for 2026 is often issued in 2025, so a document meets it when it was
issued that year or its trích yếu names the year or a period that holds it ("năm 2026", "nhiệm kỳ 2026 - 2031",
"giai đoạn 2026-2030"). In a fact question a year is about the content ("gọi công dân nhập ngũ năm 2025" is answered
by a plan issued in 2024): it only counts through the ranking.
"""
from __future__ import annotations

import re

from indexer.model import DocumentInfo
from indexer.text.vntext import key_loose
from search.query.questions import Question

_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:-|–|—|đến|tới)\s*((?:19|20)\d{2})(?!\d)")
_FREQUENCY_WORDS = {"weekly": "hằng tuần", "monthly": "hằng tháng", "quarterly": "hằng quý", "semiannual": "6 tháng",
                    "annual": "hằng năm", "periodic": "định kỳ"}
_YEAR = re.compile(r"(?<![\d/])((?:19|20)\d{2})(?![\d/])")


def title_years(title: str | None) -> set[int]:
    """Years a trích yếu names, periods spelled out: "nhiệm kỳ 2026 - 2031" → {2026, …, 2031}."""
    if not title:
        return set()
    years = {int(y) for y in _YEAR.findall(title)}
    for first, last in _PERIOD.findall(title):
        if int(first) <= int(last) <= int(first) + 10:
            years.update(range(int(first), int(last) + 1))
    return years


def year_ok(doc: DocumentInfo, year: int) -> bool:
    """True when the document was issued in `year` or its trích yếu names that year (or a period holding it)."""
    issued = {doc.year} | ({int(doc.date[:4])} if doc.date else set())
    return year in issued or year in title_years(doc.title)


_TYPE_CODES = {"ke hoach": "KH", "quyet dinh": "QĐ", "to trinh": "TTr", "bao cao": "BC", "thong bao": "TB",
               "nghi quyet": "NQ", "huong dan": "HD", "chi thi": "CT"}


def type_ok(doc: DocumentInfo, doc_type: str | None, head: str = "") -> bool:
    """True when the document is of the asked type. Its parsed type decides; when the header was not read, the type
    word on a line of its own near the top ("KẾ HOẠCH") or the type code in its number ("/KH-") decides; without
    either the document is not of the asked type (an unread appendix or spreadsheet is not "a plan")."""
    if not doc_type:
        return True
    wanted = key_loose(doc_type)
    if doc.doc_type:
        # A guidance may come as another form whose trích yếu says so ("Nghị quyết … HƯỚNG DẪN QUY TRÌNH …").
        return key_loose(doc.doc_type) == wanted or wanted == "huong dan" and wanted in key_loose(doc.title or "")
    lines = {" ".join(key_loose(line).split()) for line in head.splitlines()}
    code = _TYPE_CODES.get(wanted)
    # The code counts on the document's own number line ("Số: 996/KH-…"), not in a cited act ("Quyết định số …/QĐ-…").
    own = [doc.doc_number or ""] + [line for line in head.splitlines() if re.match(r"\s*S[ốóoô]\b", line, re.I)]
    return wanted in lines or bool(code and any(re.search(rf"[/-]{re.escape(code)}[-/]", line) for line in own))


def applied_constraints(q: Question, fact: bool = False) -> list[str]:
    """The constraints the answer applied, one Vietnamese phrase each (shown in the answer text, JSON and UI)."""
    said: list[str] = []
    if q.doc_type and not fact:
        said.append(f"loại văn bản: {q.doc_type.lower()} (lọc văn bản)")
    if q.issuer:
        said.append(f"cơ quan ban hành: {q.issuer} (lọc văn bản)")
    if q.year is not None:
        if fact:
            said.append(f"năm {q.year}: về nội dung (ưu tiên đoạn nêu năm {q.year}, không lọc theo năm ban hành)")
        else:
            said.append(f"năm {q.year}: văn bản ban hành năm {q.year} hoặc có trích yếu nêu năm/giai đoạn đó")
    if q.frequency:
        said.append(f"tần suất: {_FREQUENCY_WORDS.get(q.frequency, q.frequency)} (về nội dung)")
    if q.recipient:
        said.append(f"nơi nhận báo cáo: {q.recipient} (kể cả gửi qua cơ quan này)")
    if q.actor:
        said.append(f"cơ quan được giao: {q.actor} (về nội dung)")
    return said
