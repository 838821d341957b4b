"""Constraints a question puts on the documents themselves beyond their type and issuer: the place a document is
from ("của tỉnh Lâm Đồng", "cua phuong Bac Cam Ranh") and the person who signed it ("do Phó Chủ tịch Nguyễn Cao Sơn
ký", "signed by …").

Both are read from a parse in progress (`p`: an object with `text`, `loose` (its loose key, same length), `free(start,
end)` and `take(start, end)`), and the span read is taken so that its words do not become topic words.
"""
from __future__ import annotations

import re
from typing import Iterable

from indexer.text.vntext import key_loose

# Administrative levels a place name may follow ("tỉnh Lâm Đồng", "xã Lương Minh", "phường Bắc Cam Ranh").
_LEVEL = r"(?:tinh|thanh pho|tp\.?|xa|phuong|huyen|quan|thi tran|thi xa|dac khu)"
# A place is about the document when the question says the document is "of / in / from" it.
_PLACE_MARK = re.compile(rf"\b(?:cua|o|tai|tren dia ban|thuoc)\s+(?P<level>{_LEVEL}\s+)?")
_NAME_WORD = re.compile(r"(?<!\w)[^\W\d_]+")
# Title words that may be capitalised before a signer's name ("Phó Chủ Tịch"): not part of the name.
_TITLE_WORDS = frozenset("pho chu tich giam doc bo truong thu ban bi thu chanh van phong dong chi ong ba".split())
_SIGNED_VI = re.compile(r"\bky\b")
_SIGNED_EN = re.compile(r"\bsigned\s+by\s+(?:the\s+)?(?:(?:vice\s+)?(?:chairman|chairwoman|chair|director|minister)"
                        r"\s+)?", re.I)


def take_place(p, known_places: Iterable[str]) -> str | None:
    """The place the question asks documents to be from, as the user wrote it ("tỉnh Lâm Đồng"), or None.

    A place counts after "của / ở / tại / trên địa bàn / thuộc", either a place the index knows (`known_places`:
    the places read from document headers; diacritics optional) or, after a level word (tỉnh, xã, phường …), the
    capitalised words that follow ("xã Lương Minh")."""
    names = sorted({key_loose(n).strip() for n in known_places if n and len(n.strip()) > 2}, key=len, reverse=True)
    for match in _PLACE_MARK.finditer(p.loose):
        at = match.end()
        name_end = next((at + len(n) for n in names if p.loose.startswith(n, at)
                         and not p.loose[at + len(n):at + len(n) + 1].isalnum()), None)
        if name_end is None and match.group("level"):
            end = at
            for word in _NAME_WORD.finditer(p.text, at):
                if not word.group()[0].isupper() or word.start() != end and p.text[end:word.start()].strip():
                    break
                end = word.end()
            name_end = end if end > at else None
        start = match.start() + len(match.group(0)) - len(match.group("level") or "")
        if name_end is not None and p.free(start, name_end):
            p.take(match.start(), name_end)
            return p.text[start:name_end].strip()
    return None


def place_after(p, at: int, known_places: Iterable[str]) -> str:
    """" Lâm Đồng" when a place the index knows follows position `at` directly ("Sở Nội vụ Lâm Đồng"), taken; else
    ""."""
    rest = p.loose[at:]
    for name in sorted({key_loose(n).strip() for n in known_places if n and len(n.strip()) > 2}, key=len, reverse=True):
        gap = len(rest) - len(rest.lstrip(" "))
        end = at + gap + len(name)
        if gap and rest[gap:].startswith(name) and not p.loose[end:end + 1].isalnum() and p.free(at + gap, end):
            p.take(at + gap, end)
            return " " + p.text[at + gap:end]
    return ""


def place_key(place: str) -> str:
    """Loose key of a place name without its level word: "tỉnh Lâm Đồng" → "lam dong"."""
    return re.sub(rf"^{_LEVEL}\s+", "", " ".join(re.findall(r"[a-z0-9]+", key_loose(place))))


def take_signer(p) -> str | None:
    """The signer a question names ("do Phó Chủ tịch Nguyễn Cao Sơn ký" → "Nguyễn Cao Sơn"; "signed by Nguyen Cao
    Son"), or None: the run of capitalised words just before "ký" (with "do" before it), or just after "signed by";
    title words ("Phó Chủ Tịch") are not part of the name."""
    english = _SIGNED_EN.search(p.text)
    if english:
        words = _leading_run(p.text, english.end())
        if words:
            p.take(english.start(), words[-1][1])
            return p.text[words[0][0]:words[-1][1]]
    for match in _SIGNED_VI.finditer(p.loose):
        do = p.loose.rfind(" do ", 0, match.start())
        if do < 0 or match.start() - do > 60 or not p.free(do, match.end()):
            continue
        words = [(m.start(), m.end()) for m in _NAME_WORD.finditer(p.text, do + 4, match.start())
                 if m.group()[0].isupper()]
        run: list[tuple[int, int]] = []
        for start, end in reversed(words):
            if p.text[end:run[0][0] if run else match.start()].strip():
                break
            run.insert(0, (start, end))
        run = [w for w in run if key_loose(p.text[w[0]:w[1]]) not in _TITLE_WORDS]
        if run:
            p.take(do, match.end())
            return p.text[run[0][0]:run[-1][1]]
    return None


def _leading_run(text: str, at: int) -> list[tuple[int, int]]:
    """(start, end) of the capitalised words that follow `at` with only spaces between them."""
    run: list[tuple[int, int]] = []
    for word in _NAME_WORD.finditer(text, at):
        if not word.group()[0].isupper() or text[run[-1][1] if run else at:word.start()].strip():
            break
        run.append((word.start(), word.end()))
    return run


def signer_ok(signers: list[str], asked: str) -> bool:
    """True when one of the document's signers is the asked person (diacritics and case ignored)."""
    key = " ".join(re.findall(r"[a-z0-9]+", key_loose(asked)))
    return any(key and key in " ".join(re.findall(r"[a-z0-9]+", key_loose(s))) for s in signers)
