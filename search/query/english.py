"""English questions: which documents a list question asks for, and the translation of its words to Vietnamese keys
through the glossary (search/data/glossary.tsv)."""
from __future__ import annotations

import re

from indexer.store.lexical import analyze
from indexer.text.vntext import key_loose
from search.query.parse import load_glossary

_ENGLISH_MARKERS = {"to": "về", "via": "qua", "through": "qua", "of": "của", "by": "của", "from": "của"}
# Words that frame an English question; any other word the glossary does not know is reported as not understood.
_ENGLISH_FRAME = frozenset("""
a an the of to for in on at by with about and or is are was were be been which what who whom whose that this these
those there it its do does did how when where why any all some from into as than must should shall can may will
would has have had their them they list plans plan documents document issued issue issues sent send sends signed
""".split())
# English names of document types → the Vietnamese type; "documents" asks for any type ("").
_ENGLISH_TYPES = (("plans?", "Kế hoạch"), ("reports?", "Báo cáo"), ("decisions?", "Quyết định"),
                  ("official letters?|dispatch(?:es)?", "Công văn"),
                  ("guidelines?|guidances?|instructions?", "Hướng dẫn"), ("notices?|announcements?", "Thông báo"),
                  ("submissions?", "Tờ trình"), ("resolutions?", "Nghị quyết"), ("directives?", "Chỉ thị"),
                  ("documents?|texts?|papers?", ""))
_ENGLISH_LIST = re.compile(r"\b(?:which|what|list(?:\s+all)?|all)\s+(?:the\s+)?(?P<what>"
                           + "|".join(f"(?:{words})" for words, _ in _ENGLISH_TYPES) + r")\b", re.I)


def english_list_type(text: str) -> str | None:
    """For "which plans / reports / documents …": the Vietnamese document type asked for ("" for documents of any
    type); None when the question is not a list question."""
    match = _ENGLISH_LIST.search(text)
    if match is None:
        return None
    what = match.group("what").lower()
    return next(doc_type for words, doc_type in _ENGLISH_TYPES if re.fullmatch(words, what))


def translate(text: str, concepts: dict[tuple[int, int], tuple[str, ...]], unknown: list[str] | None = None) -> str:
    """English question → Vietnamese key words through the glossary; Vietnamese names and codes are kept as written.
    `concepts` gets (span in the result → Vietnamese alternatives) of each glossary term; `unknown` the English
    content words the glossary does not know (they cannot be looked for in Vietnamese text)."""
    tokens = analyze(text, compounds=False)
    loose = [t.loose for t in tokens]
    entries: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for entry in load_glossary():
        for variant in entry.variants:
            if variant:
                entries.setdefault(variant[0], []).append((variant, entry.targets))
    pieces: list[str] = []
    position = 0
    agent = _agent_markers(loose)
    i = 0
    while i < len(tokens):
        if i in agent:  # "issued by X", "did X send": X issued the documents
            if agent[i]:
                pieces.append("của")
                position += len("của") + 1
            i += 1
            continue
        best = max(((len(v), targets) for v, targets in entries.get(loose[i], []) if tuple(loose[i:i + len(v)]) == v),
                   default=None, key=lambda b: b[0])
        surface = text[tokens[i].start:tokens[i].end]
        if best is not None:
            length, targets = best
            piece = targets[0]
            concepts[(position, position + len(piece))] = tuple(key_loose(t) for t in targets)
            i += length
        elif loose[i] in _ENGLISH_MARKERS:
            piece = _ENGLISH_MARKERS[loose[i]]
            i += 1
        elif tokens[i].exact != tokens[i].loose or surface.isupper() or surface.isdigit():
            piece = surface
            i += 1
        else:
            if unknown is not None and loose[i] not in _ENGLISH_FRAME and not surface.isdigit():
                unknown.append(surface)
            i += 1  # an English word the glossary does not know cannot be found in Vietnamese text
            continue
        pieces.append(piece)
        position += len(piece) + 1
    return " ".join(pieces)


_ISSUING = frozenset("issued issue issues sent send sends signed sign signs written write writes published publish "
                     "prepared prepare promulgated promulgate".split())


def _agent_markers(loose: list[str]) -> dict[int, bool]:
    """Token positions that say who issued the documents → True where "của" goes, False for a word to drop:
    "by" after an issuing verb ("issued by"), and "did … send / issue / sign" (the verb itself is dropped)."""
    marks: dict[int, bool] = {}
    for i, word in enumerate(loose):
        if word == "by" and i and loose[i - 1] in _ISSUING:
            marks[i] = True
            marks[i - 1] = False
        elif word == "did":
            verb = next((j for j in range(i + 1, min(i + 9, len(loose))) if loose[j] in _ISSUING), None)
            if verb is not None:
                marks[i] = True
                marks[verb] = False
    return marks
