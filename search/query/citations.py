"""A document cited by type and number in running text: "Kế hoạch số 962/KH-UBND ngày 21/01/2026 của UBND tỉnh về …".

One pattern for the two readers of such citations: retrieval (search.retrieve.citations: which passage holds a draft's
number) and answers (search.answer.meta: the number and date under which another document cites the asked one).
"""
from __future__ import annotations

import re

# Types as written in Vietnamese administrative documents (the `doc_type` values of indexer.structure).
DOCUMENT_TYPES = ("Kế hoạch", "Quyết định", "Báo cáo", "Công văn", "Hướng dẫn", "Thông báo", "Tờ trình", "Chỉ thị",
                  "Nghị quyết", "Chương trình", "Đề án", "Thông tư", "Nghị định", "Văn bản")
_CANONICAL = {t.lower(): t for t in DOCUMENT_TYPES}

# "<type> số <digits…>/<symbol>[, ngày dd/mm/yyyy]": a cited document with its number filled in; a blank number
# ("Kế hoạch số /KH-UBND") is not a citation.
CITED = re.compile(r"\b(?P<type>" + "|".join(DOCUMENT_TYPES) + r")\s+số\s*:?\s*(?P<number>\d+[\w.\-]*/[^\s,;]+)"
                   r"\s*,?\s*(?:ngày\s+(?P<date>\d{1,2}[/.]\d{1,2}[/.]\d{4}))?", re.IGNORECASE)
TYPE_WORD = re.compile(r"\b(" + "|".join(DOCUMENT_TYPES) + r")\b", re.IGNORECASE)


def canonical_type(word: str) -> str | None:
    """ "kế hoạch" / "KẾ HOẠCH" → "Kế hoạch"; None for a word that is not a document type."""
    return _CANONICAL.get(word.lower())
