"""Duties (obligations) in plan sentences: who must report or send what, to whom, via whom, how often, by when."""
from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.duties.actors import sentence_actor
from indexer.duties.agencies import clean_phrase, find_agencies, view_of
from indexer.duties.deadlines import ANNUAL, ONCE, PERIODIC, SEMIANNUAL, DeadlineMention, FrequencyMention, find_deadlines, find_frequencies
from indexer.model import DocumentStructure, Duty, NormalizedText, Section

# Canonical actions, most specific first: a clause's action is the first of these it contains.
ACTIONS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern, re.I)) for name, pattern in [
        ("tự đánh giá", r"\btự\s+(?:tổ\s+chức\s+)?(?:đánh\s+giá|chấm\s+điểm)"),
        ("chấm điểm", r"\bchấm\s+điểm"),
        ("đăng ký", r"\bđăng\s+ký"),
        ("báo cáo", r"\bbáo\s+cáo\b(?!\s+số\s+\d|\s+viên)|\bb/c\b"),
        ("trực báo", r"\btrực\s+báo"),
        ("giao ban", r"\bgiao\s+ban\b"),
        ("họp", r"\bhọp\b|\btổ\s+chức\s+hội\s+nghị\b"),
        ("sơ kết", r"\bsơ\s+kết"),
        ("tổng kết", r"\btổng\s+kết"),
        ("tiếp công dân", r"\btiếp\s+công\s+dân"),
        ("đối thoại", r"\bđối\s+thoại"),
        ("nộp", r"\bnộp\b"),
        ("gửi", r"\bgửi\b"),
        ("tổng hợp", r"\btổng\s+hợp"),
        ("kiểm tra", r"\bkiểm\s+tra"),
        ("phản ánh", r"\bphản\s+ánh"),
    ]
]
# All actions in one pass: each alternative is a named group, tried in priority order at each position; the
# lookahead on first letters lets the engine skip most positions at once.
_ANY_ACTION = re.compile(r"(?=[tbcđgshnkpTBCĐGSHNKP])(?:"
                         + "|".join(f"(?P<a{i}>{p.pattern})" for i, (_, p) in enumerate(ACTIONS)) + ")", re.I)
# Plain substrings, one of which every action contains: a cheap test that rules out most sentences.
_ACTION_WORDS = ("báo cáo", "b/c", "gửi", "nộp", "đăng ký", "chấm điểm", "đánh giá", "giao ban", "họp",
                 "hội nghị", "sơ kết", "tổng kết", "tổng hợp", "kiểm tra", "phản ánh", "tiếp công dân", "đối thoại",
                 "trực báo")
_ACTION_RANK = {name: rank for rank, (name, _) in enumerate(ACTIONS)}
# Actions that make a duty even without a frequency or deadline, provided a recipient is named.
_SENDING = {"báo cáo", "gửi", "nộp", "trực báo"}

_SENTENCE_END = re.compile(r"(?<=[.!?;])[ \t]+")
_CLAUSE_SEP = re.compile(r",\s|;\s|\s+và\s+")
_RECIPIENT_MARK = re.compile(
    r"(?:\bbáo\s+cáo|\bb/c|\bgửi(?:\s+(?:về|đến|lên|tới|cho))?|\bnộp(?:\s+(?:về|cho))?|\btrình|\bvề|\bđến|\blên|\btới)"
    r"\s*\(?\s*$", re.I)
_INTERMEDIARY_MARK = re.compile(r"\b(?:thông\s+)?qua\s*$", re.I)
_OBJECT_STOP = re.compile(
    r"\s*\(|[,;:.]|(?<!\S)(?:để|theo|về|trước|và|gửi|nộp|báo\s+cáo|xem\s+xét|tổng\s+hợp|chỉ\s+đạo|định\s+kỳ)(?=\s|$)",
    re.I)
_MARKER_WORDS = re.compile(r"(?:[\s()]|\b(?:thông\s+qua|qua|về|đến|cho|lên|tới)\b)*", re.I)
_MAX_OBJECT_WORDS = 15
# Longest sentence a duty quotes (characters). Text without sentence punctuation (a run of words, a table turned to
# one line) is cut at the last space before this bound, so a duty never stores more than this however long the run.
MAX_SENTENCE_CHARS = 1000


@dataclass(frozen=True)
class ClauseDuty:
    """A duty found in one sentence, with offsets relative to that sentence."""

    action: str
    frequency: str | None
    deadline: tuple[int, int] | None
    deadline_date: str | None
    deadline_recurrence: str | None
    recipient: tuple[int, int] | None
    intermediary: tuple[int, int] | None
    object: tuple[int, int] | None
    quote: tuple[int, int]  # the part of the sentence that states this duty


@dataclass
class _Clause:
    start: int
    end: int
    frequency: FrequencyMention | None
    deadline: DeadlineMention | None
    action: tuple[str, int, int] | None = None  # (name, start, end) of the clause's own action
    first_action: int | None = None


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences between start and end as [start, end) spans, split at line ends and at . ! ? ; before a capital."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    line_start = start
    while line_start < end:
        line_end = text.find("\n", line_start, end)
        line_end = end if line_end < 0 else line_end
        piece_start = line_start
        for gap in _SENTENCE_END.finditer(text, line_start, line_end):
            following = text[gap.end():gap.end() + 3].lstrip("*“\"(")
            before = text[piece_start:gap.start()].split()
            last_word = before[-1] if before else ""
            if not following[:1].isupper() or len(last_word) <= 3 and last_word.endswith("."):
                continue
            spans.append((piece_start, gap.start()))
            piece_start = gap.end()
        spans.append((piece_start, line_end))
        line_start = line_end + 1
    bounded = [piece for s, e in spans for piece in _bounded(text, s, e)]
    return [(s, e) for s, e in (_strip(text, s, e) for s, e in bounded) if e - s >= 8]


def _bounded(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut into pieces of at most MAX_SENTENCE_CHARS, at the last space before the bound when there is one."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = start + MAX_SENTENCE_CHARS if cut < 0 else cut
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _actions_in(view: str, start: int, end: int) -> list[tuple[str, int, int]]:
    return [(ACTIONS[int(m.lastgroup[1:])][0], m.start(), m.end()) for m in _ANY_ACTION.finditer(view, start, end)]


def _primary(actions: list[tuple[str, int, int]]) -> tuple[str, int, int] | None:
    return min(actions, key=lambda a: (_ACTION_RANK[a[0]], a[1])) if actions else None


def _anchors(view: str) -> list[_Clause]:
    deadlines = find_deadlines(view)
    frequencies = find_frequencies(view, [(d.start, d.end) for d in deadlines])
    if any(f.frequency != PERIODIC for f in frequencies):
        # A bare "định kỳ" beside "hàng tháng" says nothing more ("Hàng tháng … tiếp công dân định kỳ").
        frequencies = [f for f in frequencies if f.frequency != PERIODIC]
    anchors: list[_Clause] = []
    used: set[int] = set()
    for frequency in frequencies:
        paired = None
        for index, deadline in enumerate(deadlines):
            if index not in used and deadline.start >= frequency.end and \
                    (re.fullmatch(r"[\s(,:]*", view[frequency.end:deadline.start])
                     or _yearly_day_of(frequency, deadline, view[frequency.end:deadline.start])):
                paired = index
                break
        if paired is not None:
            used.add(paired)
        anchors.append(_Clause(0, 0, frequency, deadlines[paired] if paired is not None else None))
    anchors += [_Clause(0, 0, None, d) for i, d in enumerate(deadlines) if i not in used]
    anchors.sort(key=lambda a: _anchor_span(a)[0])
    return anchors


def _yearly_day_of(frequency: FrequencyMention, deadline: DeadlineMention, gap: str) -> bool:
    """A day-month without year after "hằng năm" in the same clause is its yearly day ("hằng năm báo cáo … trước ngày
    15 tháng 12")."""
    return frequency.frequency == ANNUAL and deadline.date is None and deadline.month_day is not None \
        and deadline.frequency is None and not re.search(r"[,;:]", gap) and len(gap.split()) <= 12


def _anchor_span(clause: _Clause) -> tuple[int, int]:
    parts = [p for p in (clause.frequency, clause.deadline) if p is not None]
    return min(p.start for p in parts), max(p.end for p in parts)


def _split_clauses(view: str, anchors: list[_Clause]) -> list[_Clause]:
    """Give each anchor the stretch of the sentence it governs; an actionless frequency joins a following deadline."""
    # "và" inside "Sở Kế hoạch và Đầu tư" separates nothing.
    names = find_agencies(view) if len(anchors) > 1 else []
    for index, clause in enumerate(anchors):
        clause.start = 0 if index == 0 else anchors[index - 1].end
        if index + 1 < len(anchors):
            gap_start, gap_end = _anchor_span(clause)[1], _anchor_span(anchors[index + 1])[0]
            separators = [m for m in _CLAUSE_SEP.finditer(view, gap_start, gap_end)
                          if not any(s < m.start() < e for s, e in names)]
            clause.end = separators[-1].start() + 1 if separators else gap_end
        else:
            clause.end = len(view)
    merged: list[_Clause] = []
    for clause in anchors:
        actions = _actions_in(view, clause.start, clause.end)
        clause.action = _primary(actions)
        clause.first_action = min((a[1] for a in actions), default=None)
        previous = merged[-1] if merged else None
        if previous is not None and previous.action is None and previous.deadline is None \
                and clause.frequency is None and clause.deadline is not None:
            clause.frequency, clause.start = previous.frequency, previous.start
            merged[-1] = clause
            continue
        merged.append(clause)
    return merged


def _agency_after(view: str, mark: re.Pattern[str], start: int, end: int) -> tuple[int, int] | None:
    for span in find_agencies(view, start, end):
        if mark.search(view[max(start, span[0] - 24):span[0]]):
            return _trim(view, *span)
    return None


def _trim(view: str, start: int, end: int) -> tuple[int, int]:
    while end > start and view[end - 1] in " ,;:)(":
        end -= 1
    return start, end


def _object_after(view: str, position: int, end: int, skip: list[tuple[int, int]]) -> tuple[int, int] | None:
    """What is reported or sent: the words after the action, past the recipient and "(qua …)"."""
    while True:
        position = _MARKER_WORDS.match(view, position, end).end()
        hop = next((s for s in skip if s[0] <= position < s[1]), None)
        if hop is None:
            break
        position = hop[1]
    stop = _OBJECT_STOP.search(view, position, end)
    object_end = stop.start() if stop else end
    for s_start, _ in skip:
        if position < s_start < object_end:
            object_end = s_start
    words = view[position:object_end].split()
    if not words:
        return None
    if len(words) > _MAX_OBJECT_WORDS:
        object_end = position + len(" ".join(words[:_MAX_OBJECT_WORDS]))
    return _trim(view, position, object_end)


def _quote_start(view: str, clause: _Clause, focus: int) -> int:
    separators = [m.end() for m in _CLAUSE_SEP.finditer(view, clause.start, focus)]
    return separators[-1] if separators else clause.start


def analyse_sentence(sentence: str) -> list[ClauseDuty]:
    """The duties stated in one sentence (offsets relative to it): one per frequency/deadline, or one reporting duty."""
    lowered = sentence.lower()
    if not any(word in lowered for word in _ACTION_WORDS):
        return []  # every duty needs an action; most sentences have none, so stop early
    view = view_of(sentence)
    clauses = _split_clauses(view, _anchors(view))
    if not clauses:
        actions = _actions_in(view, 0, len(view))
        sending = [a for a in actions if a[0] in _SENDING]
        if not sending:
            return []
        whole = _Clause(0, len(view), None, None, _primary(actions), min(a[1] for a in actions))
        recipient = _agency_after(view, _RECIPIENT_MARK, min(a[1] for a in sending), len(view))
        return [duty] if recipient and (duty := _clause_duty(view, whole, whole)) else []
    duties: list[ClauseDuty] = []
    for index, clause in enumerate(clauses):
        donor = clause
        if clause.action is None:
            donor = next((c for c in reversed(clauses[:index]) if c.action), None) or \
                next((c for c in clauses[index + 1:] if c.action), None)
            if donor is None:
                continue
        duty = _clause_duty(view, clause, donor)
        if duty is not None:
            duties.append(duty)
    return duties


def _clause_duty(view: str, clause: _Clause, donor: _Clause) -> ClauseDuty | None:
    action, action_start, action_end = donor.action
    recipient = _agency_after(view, _RECIPIENT_MARK, action_start, donor.end) or \
        _agency_after(view, _RECIPIENT_MARK, donor.start, donor.end)
    intermediary = _agency_after(view, _INTERMEDIARY_MARK, donor.start, donor.end)
    if intermediary is not None and recipient == intermediary:
        recipient = None
    if clause.frequency is None and clause.deadline is None and recipient is None:
        return None
    skip = [s for s in (recipient, intermediary) if s is not None]
    skip += [_anchor_span(c) for c in (clause, donor) if c.frequency or c.deadline]
    obj = _object_after(view, action_end, donor.end, sorted(skip))
    deadline = clause.deadline
    frequency = clause.frequency.frequency if clause.frequency else None
    if deadline is not None and deadline.frequency and frequency in (None, PERIODIC):
        frequency = deadline.frequency  # "định kỳ trước ngày 15 hàng tháng": the deadline says how often
    if frequency is None and deadline is not None and deadline.date is not None:
        frequency = ONCE
    recurrence = deadline.month_day if deadline and frequency in (ANNUAL, SEMIANNUAL) and deadline.date is None else None
    if clause is donor:
        anchor_start = _anchor_span(clause)[0] if clause.frequency or clause.deadline else len(view)
        quote = (_quote_start(view, clause, min(anchor_start, clause.first_action)), clause.end)
    else:
        # An inherited action: quote from the donor's action through this clause ("báo cáo … 06 tháng (…), 01 năm (…)").
        donor_focus = _quote_start(view, donor, donor.first_action)
        quote = (min(clause.start, donor_focus), max(clause.end, donor.end))
    return ClauseDuty(
        action=action,
        frequency=frequency,
        deadline=(deadline.start, deadline.end) if deadline else None,
        deadline_date=deadline.date if deadline else None,
        deadline_recurrence=recurrence,
        recipient=recipient,
        intermediary=intermediary,
        object=obj,
        quote=_trim_quote(view, *quote),
    )


def _trim_quote(view: str, start: int, end: int) -> tuple[int, int]:
    while start < end and view[start] in " ,;":
        start += 1
    while end > start and view[end - 1] in " ,;":
        end -= 1
    return start, end


def _deepest_section(sections: list[Section], offset: int) -> Section | None:
    containing = [s for s in sections if s.start <= offset < s.end]
    return max(containing, key=lambda s: (s.level, s.start)) if containing else None


def extract_duties(doc_id: str, norm: NormalizedText, structure: DocumentStructure) -> list[Duty]:
    """All duties in the body of a document, in text order; sentence == norm.text[start:end]."""
    text = norm.text
    view = view_of(text)
    body_end = structure.body_end if structure.body_end is not None else len(text)
    duties: list[Duty] = []
    for start, end in sentence_spans(text, structure.body_start, body_end):
        found = analyse_sentence(text[start:end])
        if not found:
            continue
        section = _deepest_section(structure.sections, start)
        actor = sentence_actor(text, view, start, end, structure.sections)
        for clause in found:
            duties.append(_to_duty(doc_id, norm, start, end, section, actor, clause))
    return duties


def _span_text(text: str, base: int, span: tuple[int, int] | None) -> str | None:
    if span is None:
        return None
    return clean_phrase(text[base + span[0]:base + span[1]]) or None


def _to_duty(doc_id: str, norm: NormalizedText, start: int, end: int, section: Section | None,
             actor: str | None, clause: ClauseDuty) -> Duty:
    text = norm.text
    deadline = None
    if clause.deadline is not None:
        deadline = text[start + clause.deadline[0]:start + clause.deadline[1]]
    return Duty(
        doc_id=doc_id,
        section=section.path if section else "",
        sentence=text[start:end],
        start=start,
        end=end,
        actor=actor,
        action=clause.action,
        object=_span_text(text, start, clause.object),
        recipient=_span_text(text, start, clause.recipient),
        intermediary=_span_text(text, start, clause.intermediary),
        frequency=clause.frequency,
        deadline=deadline,
        deadline_date=clause.deadline_date,
        deadline_recurrence=clause.deadline_recurrence,
        page=norm.page_at(start),
    )


def duty_quote_span(duty: Duty) -> tuple[int, int]:
    """Offsets (into the document text) of the part of the duty's sentence that states it; the sentence otherwise."""
    for clause in analyse_sentence(duty.sentence):
        deadline = duty.sentence[clause.deadline[0]:clause.deadline[1]] if clause.deadline else None
        if (clause.action, clause.frequency, deadline) == (duty.action, duty.frequency, duty.deadline):
            return duty.start + clause.quote[0], duty.start + clause.quote[1]
    return duty.start, duty.end
