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
from search.query.document_terms import place_key, signer_ok
from search.query.questions import Question, agency_key

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


_NUMBER_LINE = re.compile(r"(?m)^\W*S[ốóoô]\b[^\n]*$")


def carries(doc_type: str, text: str) -> bool:
    """True when the text carries a whole document of the asked type after its own header: a tờ trình with the draft
    plan it submits, headed as issued ("Số: /KH-UBND" and, within the next lines, "KẾ HOẠCH" on a line of its own).
    A plan only cited or named in a trích yếu does not count."""
    code = _TYPE_CODES.get(key_loose(doc_type))
    if not code:
        return False
    wanted = key_loose(doc_type)
    for line in list(_NUMBER_LINE.finditer(text))[1:]:  # the first number line is the document's own
        if not re.search(rf"[/-]{re.escape(code)}[-/]", line.group()):
            continue
        following = text[line.end():line.end() + 200].splitlines()[1:4]
        if any(" ".join(key_loose(f).split()) == wanted for f in following):
            return True
    return False


# A person's office before a body ("Chủ tịch UBND tỉnh"): the body issues the document, the person signs it.
_OFFICE = re.compile(r"^(?:pho\s+)?(?:chu tich|giam doc|truong ban|bo truong|chanh van phong)\s+(?=\S)")


def issuer_ok(asked: str, issuer: str | None) -> bool:
    """True when the document's issuer is the asked body. A header names the issuing unit with the body above it
    ("UBND TỈNH BÌNH THUẬN / VĂN PHÒNG"), while a question names it the other way round ("Văn phòng UBND tỉnh Bình
    Thuận", "Ban Chỉ đạo tỉnh Lâm Đồng"): the asked name matches when it splits into runs of words each found, whole
    words, in the issuer. A person's office before the body ("Chủ tịch UBND tỉnh …") is left out."""
    if not issuer:
        return False
    words = _OFFICE.sub("", agency_key(asked)).split()
    stated = f" {agency_key(issuer)} "
    at = 0
    while at < len(words):
        run = next((n for n in range(len(words) - at, 0, -1) if f" {' '.join(words[at:at + n])} " in stated), 0)
        if run == 0:
            return False
        at += run
    return bool(words)


def place_ok(doc: DocumentInfo, place: str, text: str = "") -> bool:
    """True when the document is from the asked place: its header place or issuer names it; a document whose header
    named neither is checked against its text (`text`)."""
    key = place_key(place)
    if doc.place or doc.issuer:
        return f" {key} " in f" {place_key(doc.place or '')} " or f" {key} " in f" {agency_key(doc.issuer or '')} "
    return f" {key} " in f" {' '.join(re.findall(r'[a-z0-9]+', key_loose(text)))} "


def document_ok(doc: DocumentInfo, q: Question, head: str = "", text=lambda: "") -> bool:
    """Document-level constraints of a list question: type (`head`: the first lines of its text, used when the header
    was not read), year (issued or named in the trích yếu), issuer, place (`text()`: its text, read only when the
    header named no place) and signer."""
    if q.doc_type and not type_ok(doc, q.doc_type, head) and not carries(q.doc_type, text()):
        return False
    if q.year is not None and not year_ok(doc, q.year):
        return False
    if q.issuer and not issuer_ok(q.issuer, doc.issuer):
        return False
    if q.place and not place_ok(doc, q.place, "" if doc.place or doc.issuer else text()):
        return False
    return not q.signer or signer_ok(doc.signers, q.signer)


def applied_constraints(q: Question, fact: bool = False) -> list[str]:
    """The constraints the answer applied, one Vietnamese phrase each (shown in the answer text, JSON and UI)."""
    said: list[str] = []
    if q.doc_type and not fact:
        said.append(f"loại văn bản: {q.doc_type.lower()} (lọc văn bản)")
    if q.issuer:
        said.append(f"cơ quan ban hành: {q.issuer} (lọc văn bản)")
    if q.place and not fact:
        said.append(f"nơi ban hành: {q.place} (lọc văn bản theo địa danh ở phần đầu văn bản)")
    if q.signer and not fact:
        said.append(f"người ký: {q.signer} (lọc văn bản)")
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
