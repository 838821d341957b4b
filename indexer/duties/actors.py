"""Who must act: the subject of a duty sentence, from the sentence itself or the agency heading above it."""
from __future__ import annotations

import re

from indexer.duties.agencies import agency_at, clean_phrase, looks_like_agency, view_of
from indexer.model import Section

MAX_ACTOR_WORDS = 25  # a longer "subject" is a misread clause

_OUTLINE_MARKER = re.compile(r"[\s*#\-–+•]*(?:(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)/]\s*)?[\s*]*")
_RESPONSIBLE = re.compile(r"\s+(?:có|chịu)\s+trách\s+nhiệm\b", re.I)
_PERSON_HEAD = re.compile(r"(?:Thủ\s+trưởng|Chủ\s+tịch|Giám\s+đốc|Trưởng|Các|Những|Cơ\s+quan)\b", re.I)
_GROUP_ACTOR = re.compile(
    r"(?:Các|Những)\s+(?:phòng|sở|cơ\s+quan|đơn\s+vị|ban|ngành|địa\s+phương|xã|huyện|chủ\s+thể)[^.;:]{0,80}?"
    r"(?=\s+(?:chủ\s+động|có\s+trách\s+nhiệm|thực\s+hiện|triển\s+khai|tập\s+trung|căn\s+cứ|báo\s+cáo|gửi|đăng\s+ký|"
    r"định\s+kỳ|h[àằ]ng|tổ\s+chức|xây\s+dựng|phối\s+hợp|chủ\s+trì|kịp\s+thời))")
_SUBJECT_FOLLOW = re.compile(
    r"\s*(?::|chủ\s+trì|phối\s+hợp|có\s+trách\s+nhiệm|chịu\s+trách\s+nhiệm|tham\s+mưu|thực\s+hiện|triển\s+khai|"
    r"báo\s+cáo|gửi|đăng\s+ký|tổ\s+chức|xây\s+dựng|tập\s+trung|căn\s+cứ|chỉ\s+đạo|theo\s+dõi|làm|định\s+kỳ|h[àằ]ng|"
    r"kiểm\s+tra|rà\s+soát|chủ\s+động|hướng\s+dẫn)\b", re.I)


def _ancestors(sections: list[Section], offset: int) -> list[Section]:
    containing = [s for s in sections if s.start <= offset < s.end]
    return sorted(containing, key=lambda s: (s.level, s.start), reverse=True)


def sentence_actor(text: str, view: str, start: int, end: int, sections: list[Section]) -> str | None:
    """The subject: an agency opening the sentence, "X có trách nhiệm", or the nearest agency heading above."""
    actor = _find_actor(text, view, start, end, sections)
    # A long phrase is a misread clause, not a subject: say nothing rather than something wrong.
    return actor if actor and len(actor.split()) <= MAX_ACTOR_WORDS else None


def _find_actor(text: str, view: str, start: int, end: int, sections: list[Section]) -> str | None:
    opening = _OUTLINE_MARKER.match(view, start).end()
    span = agency_at(view, opening)
    if span is not None and _SUBJECT_FOLLOW.match(view, span[1]):
        return clean_phrase(text[span[0]:span[1]])
    group = _GROUP_ACTOR.match(view, opening, end)
    if group:
        return clean_phrase(text[group.start():group.end()])
    who = _responsible(view[opening:end])
    if who:
        return who
    for section in _ancestors(sections, start):
        # The heading line as written: Section.heading may be shortened for display.
        line = view[section.start:section.body_start] if section.body_start > section.start else section.heading
        heading = view_of(line.strip())
        heading = heading[_OUTLINE_MARKER.match(heading).end():]
        named = heading.split(":")[0]
        if looks_like_agency(named) or _PERSON_HEAD.match(named) and len(named.split()) <= 10:
            return clean_phrase(named)
        group = _GROUP_ACTOR.match(heading)
        who = clean_phrase(group.group()) if group else _responsible(heading)
        if who:
            return who
    return None


def _responsible(phrase: str) -> str | None:
    """"Thủ trưởng các Sở, ban, ngành …" in "…, Thủ trưởng các Sở, ban, ngành … có trách nhiệm"."""
    match = _RESPONSIBLE.search(phrase)
    if match is None:
        return None
    starts = [0] + [m.end() for m in re.finditer(r"[,;:]\s*", phrase[:match.start()])]
    for candidate in starts:
        if agency_at(phrase, candidate) or _PERSON_HEAD.match(phrase, candidate):
            return clean_phrase(phrase[candidate:match.start()]) or None
    return None
