"""Alternatives in a question's topic: "hợp nhất hoặc giải thể hội, đoàn luật sư" asks for documents about either.

A disjunction ("hoặc", "hay") joins the words written next to it into one concept whose alternatives are its sides
(a document needs one of them, not both), and the comma list right after it names the objects as alternatives too:
merging or dissolving associations or bar associations. A comma without a disjunction stays inside one term ("an
toàn, vệ sinh lao động", "phòng, chống ma túy").
"""
from __future__ import annotations

SIDE_WORDS = 2  # a side is at most two words: most Vietnamese words have two syllables


def alternatives_joined(text: str, placed: list[tuple], ors: list[int]) -> list[tuple]:
    """`placed`: (start, end, concept) of the topic words of `text` in order, each concept one word with one
    alternative (search.query.questions.Concept); `ors`: for each "hoặc"/"hay", how many topic words come before it.
    Returns `placed` with each disjunction's sides, and the comma list right after it, made one concept each
    (alternatives: the loose keys of the sides / items). A disjunction without a plain word on either side (a
    required code, "… hay không") is left as it is."""
    out = list(placed)
    for at in reversed(ors):  # right to left: the indices before `at` stay valid
        left = _adjacent(text, out, at - 1, -1)
        right = _adjacent(text, out, at, +1)[:len(left)]
        if not left or not right or not all(_plain(c) for _, _, c in left + right):
            continue
        end = at + len(right)
        items, j = [[]], end
        while j < len(out) and _plain(out[j][2]):
            gap = text[out[j - 1][1]:out[j][0]].strip()
            if gap not in ("", ","):
                break
            if gap == "," and items[-1]:
                items.append([])
            items[-1].append(out[j])
            j += 1
        joined = [_joined(text, left, right)]
        if len(items) > 1:  # "… giải thể hội, đoàn luật sư": the objects are alternatives too
            joined.append(_joined(text, *items))
        else:
            j = end
        out[at - len(left):j] = joined
    return out


def _plain(concept) -> bool:
    return not concept.required and len(concept.alternatives) == 1


def _adjacent(text: str, placed: list[tuple], start: int, step: int) -> list[tuple]:
    """Up to SIDE_WORDS words of `placed` from index `start` going `step`, separated by spaces only."""
    run: list[tuple] = []
    i = start
    while 0 <= i < len(placed) and len(run) < SIDE_WORDS:
        if run and text[min(run[-1][1], placed[i][1]):max(run[-1][0], placed[i][0])].strip():
            break
        run.append(placed[i])
        i += step
    return sorted(run)


def _joined(text: str, *sides: list[tuple]) -> tuple:
    """One (start, end, concept) spanning the sides, whose alternatives are the sides' words."""
    first, last = sides[0][0], sides[-1][-1]
    alternatives = tuple(dict.fromkeys(" ".join(c.alternatives[0] for _, _, c in side) for side in sides))
    return first[0], last[1], type(first[2])(text[first[0]:last[1]], alternatives)
