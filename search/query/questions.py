"""Question understanding for `ask`: list or fact question, and its constraints (frequency, agency, action, year …)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from indexer.duties.deadlines import ANNUAL, MONTHLY, PERIODIC, QUARTERLY, SEMIANNUAL, WEEKLY, iso_date, month_day
from indexer.store.lexical import analyze
from indexer.text.vntext import compound_tokenize, key_exact, key_loose, normalize
from search.query.agencies import KNOWN_AGENCIES, agency_key, agency_matches, agency_mentions  # noqa: F401
from search.query.agencies import agency_alternatives
from search.query.disjunction import alternatives_joined
from search.query.document_terms import place_after, take_place, take_signer
from search.query.english import english_list_type, translate
from search.query.parse import guess_language, load_abbreviations

_TYPE_WORDS = ("ke hoach|van ban|quyet dinh|cong van|chi thi|huong dan|to trinh|bao cao|thong bao|nghi quyet|tham luan|"
               "cong dien|giay moi|quy che")
_LIST_PATTERNS = [
    # "những văn bản hướng dẫn …": guidance documents, whatever their form (a Hướng dẫn, or a Nghị quyết "hướng dẫn …").
    re.compile(r"\b(?:nhung|cac)\s+van ban\s+(?P<what>huong dan)\b"),
    re.compile(rf"\b(?:nhung|cac)\s+(?P<what>{_TYPE_WORDS})\b(?:.*\bnao\b)?"),
    re.compile(rf"\b(?P<what>{_TYPE_WORDS})\s+nao\b"),
    re.compile(r"\b(?:liet ke|danh sach|co bao nhieu)\b(?:\s+(?:cac\s+)?(?P<what>ke hoach|van ban))?"),
]
_DOC_TYPES = {"ke hoach": "Kế hoạch", "quyet dinh": "Quyết định", "cong van": "Công văn", "chi thi": "Chỉ thị",
              "huong dan": "Hướng dẫn", "to trinh": "Tờ trình", "bao cao": "Báo cáo", "thong bao": "Thông báo",
              "nghi quyet": "Nghị quyết", "tham luan": "Tham luận", "cong dien": "Công điện", "giay moi": "Giấy mời",
              "quy che": "Quy chế"}
# Right after "những văn bản nào": words that say what the documents do with the topic, not the topic.
_LIST_VERB = re.compile(r"\s*(?:huong dan|de cap(?: den| toi)?)\b")
# "Những tham luận nào tại Hội nghị X bàn về Y": X is where the documents were given, Y what they are about.
_SETTING = re.compile(r"\s*tai\s.+?\b(?:ban|noi|viet|trao doi) ve\b")

_FREQUENCY_PATTERNS = [
    (re.compile(r"\b(?:dinh ky\s+)?(?:hang|moi)\s+quy\b"), QUARTERLY),
    (re.compile(r"\b(?:dinh ky\s+)?(?:hang|moi)\s+thang\b"), MONTHLY),
    (re.compile(r"\b(?:dinh ky\s+)?(?:hang|moi)\s+nam\b"), ANNUAL),
    (re.compile(r"\b(?:dinh ky\s+)?(?:0?6|sau)\s+thang(?:\s*/\s*lan|\s+mot\s+lan)?\b|\bnua nam\b"), SEMIANNUAL),
    (re.compile(r"\b(?:dinh ky\s+)?(?:0?3|ba)\s+thang(?:\s*/\s*lan|\s+mot\s+lan)?\b"), QUARTERLY),
    (re.compile(r"\b(?:dinh ky\s+)?(?:hang|moi)\s+tuan\b|\bweekly\b"), WEEKLY),
    (re.compile(r"\bdinh ky\b"), PERIODIC),
]
# Most specific first; which action a duty question is about.
_ACTION_PATTERNS = [
    (re.compile(r"\btu\s+(?:to chuc\s+)?(?:danh gia|cham diem)\b"), "tự đánh giá"),
    (re.compile(r"\bcham diem\b"), "chấm điểm"),
    (re.compile(r"\bdang ky\b"), "đăng ký"),
    (re.compile(r"\bbao cao\b"), "báo cáo"),
    (re.compile(r"\bgiao ban\b|\bhop\b"), "giao ban"),
    (re.compile(r"\b(?:gui|nop)\b"), "gửi"),
]
_DEADLINE_DATE = re.compile(r"\b(?:truoc|cham nhat|han|den)\s+(?:ngay\s+)?(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})"
                            r"(?:\s*[/.-]\s*(?P<y>\d{4}))?(?P<rec>\s+(?:hang|moi)\s+nam)?")
_DEADLINE_WORDS = re.compile(r"\b(?:thoi han|han chot|han nop|khi nao|bao gio|truoc ngay|cham nhat)\b")
_ENGLISH_DEADLINE = re.compile(r"\b(?:deadline|deadlines|due|by when|when)\b", re.I)
_YEAR = re.compile(r"\b(?:nam\s+)?(?P<y>(?:19|20)\d{2})\b")
_FULL_DATE = re.compile(r"\b\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*(?:19|20)\d{2}\b")
_RECIPIENT_MARK = re.compile(r"(?:\b(?:gui ve|gui den|gui len|gui|bao cao|ve|den|cho|len|toi|nop ve|nop|qua|"
                             r"thong qua)\s*\(?)$")
_ACTOR_MARK = re.compile(r"\b(?:giao(?:\s+cho)?|phan cong(?:\s+cho)?)\s*$")
# After the agency given a task, the words that give it ("giao X làm nhiệm vụ tuyên truyền"): not topic words.
_ACTOR_FOLLOW = re.compile(r"\s*(?:(?:lam|thuc hien)(?: nhiem vu)?|chu tri|phu trach|co trach nhiem|chiu trach nhiem)\b")
# "của X", also with a person's office before the body ("của Chủ tịch UBND tỉnh …"); after a document other than the
# asked ones ("… văn bản của Bộ Công an") X issued that document: it is content (_CITED).
_ISSUER_MARK = re.compile(r"\b(?:cua|do)(?:\s+(?:pho\s+)?(?:chu tich|giam doc|bo truong|truong ban|chanh van phong))?"
                          r"\s*$")
_CITED = re.compile(r"\b(?:van ban|ke hoach|quyet dinh|huong dan|chi thi|nghi quyet|cong van|thong tu|nghi dinh)\s*$")
_ISSUER_FOLLOW = re.compile(r"\s*ban hanh\b")
# Words that frame a question rather than say what it is about; unaccented, only the unambiguous ones count.
_FRAME_PHRASES = re.compile(r"\b(?:ke hoach|van ban|yeu cau|de cap(?: den| toi)?|nhac (?:den|toi)|noi (?:ve|den)|liet ke|"
                            r"danh sach|bao nhieu|nhu the nao|la gi|o dau|khi nao|quy dinh)\b")
_FRAME_EXACT = frozenset("""
nào những các gì ai đâu sao là của và có không được cho với trong một như thì mà này đó ở về hay hoặc để theo khi đến
từ tại bởi nêu phải cần đã bị sẽ đang giao
""".split())
_FRAME_LOOSE = frozenset("""
nao nhung cac gi ai sao la cua va co khong duoc cho voi trong mot nhu thi ma nay o ve hay hoac theo khi den tu boi
neu phai can
""".split())


@dataclass(frozen=True)
class Concept:
    """A topic word or phrase the evidence must contain: any one of its alternatives (loose keys)."""

    label: str
    alternatives: tuple[str, ...]
    required: bool = False  # codes, acronyms and named agencies must be present


@dataclass(frozen=True)
class Question:
    """What `ask` needs to know about a question."""

    text: str  # the question, normalised
    kind: str  # "list" | "fact"
    language: str  # "vi" | "en"
    doc_type: str | None  # "Kế hoạch" in "kế hoạch nào …"
    frequency: str | None  # monthly | quarterly | semiannual | annual | periodic
    action: str | None  # "báo cáo", "đăng ký", "tự đánh giá", … (a duty constraint when one of the below is set)
    recipient: str | None  # agency reported or sent to (or via)
    actor: str | None  # agency given the task ("giao Sở Nội vụ làm …")
    issuer: str | None  # agency that issued the plan ("của Sở Công Thương")
    year: int | None
    doc_numbers: tuple[str, ...]
    asks_deadline: bool  # "thời hạn", "trước ngày", "deadline"
    deadline: str | None  # ISO date, or "--MM-DD" for a yearly one
    concepts: tuple[Concept, ...]
    asks_signer: bool = False  # "ai ký", "người ký", "who signed"
    wants: str | None = None  # the kind of value a fact question asks for: "date" | "number" | "agency" | "list"
    role: str | None = None  # loose word before the asked agency ("giao" in "giao cơ quan nào")
    place: str | None = None  # place the documents are from ("tỉnh Lâm Đồng" in "kế hoạch của tỉnh Lâm Đồng")
    signer: str | None = None  # person who signed the documents ("do … Nguyễn Cao Sơn ký")
    unknown_words: tuple[str, ...] = ()  # English content words the glossary does not know

    @property
    def has_duty_constraints(self) -> bool:
        return bool(self.frequency or self.recipient or self.asks_deadline or self.deadline)


class _Parse:
    """Working state: the text being read, its loose key, and which character spans are already explained."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.loose = key_loose(text)
        self.used: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in self.used)

    def take(self, start: int, end: int) -> None:
        self.used.append((start, end))

    def first(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return next((m for m in pattern.finditer(self.loose) if self.free(m.start(), m.end())), None)


def understand(question: str, known_agencies: Iterable[str] = (), known_places: Iterable[str] = ()) -> Question:
    """Read a question (Vietnamese with or without diacritics, or English) into a Question; `known_agencies` and
    `known_places` (names read from the index) are recognised without diacritics."""
    text = normalize(question)
    language = guess_language(text)
    english_concepts: dict[tuple[int, int], tuple[str, ...]] = {}
    unknown: list[str] = []
    vi_text = translate(text, english_concepts, unknown) if language == "en" else text
    p = _Parse(vi_text)

    kind, doc_type, list_end = "fact", None, -1
    for pattern in _LIST_PATTERNS:
        match = p.first(pattern)
        if match:
            kind = "list"
            doc_type = _DOC_TYPES.get(match.groupdict().get("what") or "")
            # Only the list words are taken: "những kế hoạch cải cách hành chính năm 2026 nào" keeps its topic and year.
            noun_end = match.end("what") if match.groupdict().get("what") else match.end()
            p.take(match.start(), noun_end)
            list_end = noun_end
            if match.end() > noun_end and p.loose[match.end() - 3:match.end()] == "nao":
                p.take(match.end() - 3, match.end())
                list_end = match.end() if not p.loose[noun_end:match.end() - 3].strip() else list_end
            verb = _LIST_VERB.match(p.loose, list_end) if doc_type is None else None
            if verb and p.free(verb.start(), verb.end()):  # "những văn bản nào hướng dẫn X": documents on X
                p.take(verb.start(), verb.end())
            setting = _SETTING.match(p.loose, list_end)
            if setting:
                p.take(setting.start(), setting.end())
            break
    listed = english_list_type(text) if language == "en" else None
    if listed is not None:
        kind, doc_type = "list", doc_type or listed or None
        type_at = p.loose.find(key_loose(doc_type)) if doc_type else -1
        if type_at >= 0:  # "which reports …": the type is a constraint, not a topic word
            p.take(type_at, type_at + len(doc_type))

    doc_numbers = []
    for start, end in compound_tokenize(vi_text):
        word = vi_text[start:end]
        if re.search(r"[^\W\d_]", word) and ("/" in word or "-" in word):
            doc_numbers.append(word)
            p.take(start, end)

    deadline = None
    match = p.first(_DEADLINE_DATE)
    if match:
        day, month = int(match.group("d")), int(match.group("m"))
        year = int(match.group("y")) if match.group("y") else None
        deadline = month_day(day, month) if match.group("rec") or year is None else iso_date(day, month, year)
        p.take(match.start(), match.end())
    asks_deadline = deadline is not None or bool(_ENGLISH_DEADLINE.search(text) if language == "en" else False)
    match = p.first(_DEADLINE_WORDS)
    if match:
        asks_deadline = True
        p.take(match.start(), match.end())

    frequency = None
    for pattern, name in _FREQUENCY_PATTERNS:
        match = p.first(pattern)
        if match:
            frequency = name
            p.take(match.start(), match.end())
            break

    action = None
    action_spans: list[tuple[int, int]] = []
    for pattern, name in _ACTION_PATTERNS:
        match = p.first(pattern)
        if match:
            action = action or name
            action_spans.append((match.start(), match.end()))
            p.take(match.start(), match.end())

    signer = take_signer(p) if kind == "list" else None
    recipient = actor = issuer = None
    issuer_end = -1
    agency_concepts: list[Concept] = []
    for start, end, display in agency_mentions(p, known_agencies):
        before = p.loose[max(0, start - 24):start]
        after = p.loose[end:end + 24]
        mark = _ACTOR_MARK.search(before)
        follow = _ACTOR_FOLLOW.match(after)
        if follow and p.text[end + follow.end() - len(follow.group().strip()):][:1].isupper():
            follow = None  # "Sở Nội vụ Lâm Đồng": a place, not "làm"
        if mark or follow:
            actor = actor or display
            if mark:
                p.take(start - len(before) + mark.start(), start)
            if follow:
                p.take(end, end + follow.end())
            agency_concepts.append(agency_concept(display))
        elif _RECIPIENT_MARK.search(before):
            recipient = recipient or display
        elif _issued_by(p, start, end, list_end):
            issuer, issuer_end = (issuer, issuer_end) if issuer else (display, end)
        else:
            agency_concepts.append(agency_concept(display))
        p.take(start, end)

    place = take_place(p, known_places) if kind == "list" else None
    if issuer and kind == "list":  # "của Sở Nội vụ Lâm Đồng": the place belongs to the issuer's name
        issuer += place_after(p, issuer_end, known_places)
    year, event_year = None, []
    match = p.first(_YEAR)
    dated = p.first(_FULL_DATE) if kind == "list" else None
    if match and dated and not dated.start() <= match.start() < dated.end():
        # "… Hội nghị đánh giá công tác CCHC năm 2025 tổ chức ngày 22/01/2026": a dated event; the year is the
        # event's, and the documents about it are issued before (the invitation) and after it (the reports).
        p.take(match.start(), match.end())
        event_year = [Concept(p.text[match.start():match.end()], (" ".join(match.group().split()),), True)]
    elif match:
        year = int(match.group("y"))
        p.take(match.start(), match.end())

    asks_signer = bool(re.search(r"\b(?:ai|nguoi nao)\b.*\bky\b|\bnguoi ky\b|\bky ban hanh\b", p.loose)) or (
        language == "en" and bool(re.search(r"\bwho\s+signed\b|\bsign(?:er|atory|ed)\b", text, re.I)))

    wants, role = wanted_value(key_loose(text) if language == "vi" else text.lower())
    has_duty = bool(frequency or recipient or asks_deadline or deadline)
    concepts = list(agency_concepts)
    if not has_duty:
        # Without a frequency, recipient or deadline the action is only a word the passage must contain.
        for start, end in action_spans:
            p.used.remove((start, end))
        action = None
    concepts += _topic_concepts(p, english_concepts, language) + event_year
    concepts += [Concept(n, (key_loose(n),), required=True) for n in doc_numbers]
    return Question(
        text=text, kind=kind, language=language, doc_type=doc_type, frequency=frequency, action=action,
        recipient=recipient, actor=actor, issuer=issuer, year=year, doc_numbers=tuple(doc_numbers),
        asks_deadline=asks_deadline, deadline=deadline, concepts=tuple(concepts), asks_signer=asks_signer,
        wants=wants, role=role, place=place, signer=signer, unknown_words=tuple(unknown),
    )


def _issued_by(p: _Parse, start: int, end: int, list_end: int) -> bool:
    """Did the agency at [start, end) issue the asked documents: "của X" (the office word before X taken), "X ban
    hành", or X right after the list words ("những công văn nào UBND tỉnh … giao")."""
    before = p.loose[max(0, start - 24):start]
    mark = _ISSUER_MARK.search(before)
    if mark:
        at = start - len(before) + mark.start()
        if not (list_end >= 0 and at > list_end + 1 and _CITED.search(p.loose, 0, at)):
            p.take(at, start)
            return True
    return bool(_ISSUER_FOLLOW.match(p.loose, end) or list_end >= 0 and not p.loose[list_end:start].strip())


_WANTS = [
    ("date", re.compile(r"\b(?:ngay nao|khi nao|bao gio|thoi gian nao|thoi diem nao|cham nhat (?:la )?(?:ngay|khi) nao|"
                        r"when|what date|which day)\b")),
    ("number", re.compile(r"\b(?:bao nhieu|may|ty le nao|muc nao|how many|how much|what percentage)\b")),
    ("list", re.compile(r"\b(?:gom nhung|bao gom nhung|gom cac|nhung noi dung nao|nhung nhiem vu nao|what are the)\b")),
    ("agency", re.compile(r"\b(?P<role>\w+)?\s*(?:co quan|don vi|to chuc) nao\b|\bai\b(?! ky)|\bwho\b|which (?:agency|body)")),
]


def wanted_value(loose: str) -> tuple[str | None, str | None]:
    """(kind of value a fact question asks for, the word before an asked agency) from its loose key."""
    for kind, pattern in _WANTS:
        match = pattern.search(loose)
        if match:
            role = match.groupdict().get("role") if kind == "agency" else None
            return kind, role
    return None, None


def _topic_concepts(p: _Parse, english: dict[tuple[int, int], tuple[str, ...]], language: str) -> list[Concept]:
    concepts: list[Concept] = []
    for match in _FRAME_PHRASES.finditer(p.loose):
        if p.free(match.start(), match.end()):
            p.take(match.start(), match.end())
    for (start, end), alternatives in english.items():
        if p.free(start, end):
            concepts.append(Concept(p.text[start:end], alternatives))
            p.take(start, end)
    placed: list[tuple[int, int, Concept]] = []
    ors: list[int] = []
    accented = language == "vi" and key_loose(p.text) != p.text.lower()
    for token in analyze(p.text, compounds=False):
        if not p.free(token.start, token.end):
            continue
        surface = p.text[token.start:token.end]
        # A question typed with diacritics means its unmarked words as written ("ma" in "ma túy" is not "mà").
        marked = accented or token.loose != key_exact(surface)
        if (key_exact(surface) in _FRAME_EXACT) if marked else (token.loose in _FRAME_LOOSE):
            if token.loose in ("hoac", "hay") and language == "vi":
                ors.append(len(placed))
            continue
        required = len(surface) >= 2 and surface.isupper() and surface.isalpha() or surface.isdigit()
        placed.append((token.start, token.end,
                       Concept(surface, (token.loose,) + _spelled_out(token.loose) * required, required=required)))
    return concepts + [c for _, _, c in alternatives_joined(p.text, placed, ors)]


def agency_concept(name: str) -> Concept:
    """A named agency the evidence must hold, in any of its forms (agency_alternatives)."""
    return Concept(name, agency_alternatives(name), required=True)


def _spelled_out(key: str) -> tuple[str, ...]:
    """The expansions of an abbreviation ("mtqg" → "muc tieu quoc gia"): a document may write it either way."""
    return tuple(key_loose(e.targets[0]) for e in load_abbreviations() if e.both_ways and (key,) in e.variants)
