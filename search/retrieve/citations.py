"""Where a document's number is written when its own copy leaves it blank: the documents that cite it.

Archives keep drafts ("Số: /KH-UBND", "ngày tháng năm 2026") whose signed number and date only appear in later
documents that cite them: "Thực hiện Kế hoạch số 962/KH-UBND ngày 21/01/2026 của UBND tỉnh về kiểm tra công tác
cải cách hành chính năm 2026 …". For "which number / date does plan X have" the passage to show is then such a
citation whose words name plan X, next to the draft's own header.
"""
from __future__ import annotations

import re
from typing import Sequence

from indexer.store.lexical import analyze
from search.query.citations import CITED, TYPE_WORD, canonical_type

WINDOW = 260  # at most this many characters after the citation are read as its subject (a trích yếu's length)
_SUBJECT_END = re.compile(r"[.;:!?\n](?:\s|$)|\n")  # the cited document's subject ends with its clause
# Loose keys that say what is asked (number, date, type), not which document: left out of the overlap.
_ASKING = frozenset({
    "ke", "hoach", "quyet", "dinh", "bao", "cao", "cong", "van", "to", "trinh", "nghi", "chi", "thi", "thong",
    "huong", "dan", "chuong", "de", "an", "so", "hieu", "ky", "ngay", "ban", "hanh", "nam", "co", "gi", "nao", "la",
    "cua", "va", "duoc", "voi", "mang", "sau", "khi", "da", "the", "what", "which", "number", "date", "issued",
    "was", "is", "of", "plan", "document", "ubnd", "uy", "nhan", "tinh",
})
MIN_OVERLAP = 0.6  # share of the question's naming words the citation's window must hold


def naming_keys(text: str) -> set[str]:
    """Loose keys of the words that name a document in `text` (the asking words left out)."""
    return {t.loose for t in analyze(text, compounds=False) if t.loose not in _ASKING and len(t.loose) > 1}


def best_citation(question: str, texts: Sequence[str]) -> int | None:
    """Index in `texts` (passages in rank order) of the first best citation naming what `question` names.

    A passage qualifies when it cites a document with its number filled in and the citation's subject (up to the
    end of its clause, at most WINDOW characters) holds at least MIN_OVERLAP of the question's naming keys. A
    citation of the type the question names first ("Báo cáo … có số nào") beats one of another type; then the
    highest share wins; then rank. None when no passage qualifies.
    """
    wanted = naming_keys(question)
    if not wanted:
        return None
    asked = TYPE_WORD.search(question)
    asked_type = canonical_type(asked.group(1)) if asked else None
    best: tuple[bool, float, int] | None = None
    for i, text in enumerate(texts):
        matches = list(CITED.finditer(text))
        for j, match in enumerate(matches):
            stop = min(match.end() + WINDOW, matches[j + 1].start() if j + 1 < len(matches) else len(text))
            end = _SUBJECT_END.search(text, match.end(), stop)
            window = naming_keys(text[match.start():end.start() if end else stop])
            share = len(wanted & window) / len(wanted)
            key = (asked_type is None or canonical_type(match.group("type")) == asked_type, share, -i)
            if share >= MIN_OVERLAP and (best is None or key > best):
                best = key
    return None if best is None else -best[2]
