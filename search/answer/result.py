"""What an answer is: the dataclasses `ask` returns (the `ask --json` shape) and the labels of plans in them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.model import DocumentInfo
from search.ui_support import plan_name


@dataclass(frozen=True)
class Citation:
    """A quoted passage: `quote` is an exact substring of the document's normalised text."""

    section: str
    page: int | None
    quote: str
    ocr_confidence: float | None = None  # mean Tesseract confidence 0–100 of `page` when its text came from OCR


@dataclass(frozen=True)
class PlanAnswer:
    """A plan in an answer with the passages that show it answers; field names are the `ask --json` keys."""

    doc_id: str
    source: str
    doc_number: str | None
    title: str | None
    issuer: str | None
    date: str | None
    citations: list[Citation] = field(default_factory=list)
    doc_type: str | None = None
    name: str = ""  # số ký hiệu + trích yếu + date (search.ui_support.plan_name): how the plan is shown

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", plan_name(self.doc_number, self.title, self.date, self.doc_type,
                                                       self.source))


@dataclass(frozen=True)
class Answer:
    """What `ask --json` prints; `near_matches` holds plans that meet only part of a list question."""

    question: str
    answer: str
    plans: list[PlanAnswer] = field(default_factory=list)
    near_matches: list[PlanAnswer] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)  # what the answer applied, in words (also in `answer`)


def has_number(doc_number: str | None) -> bool:
    """True for a filled số ký hiệu ("80/KH-UBND"), False for a blank one ("/UBND-VP7": the digit of "VP7" is part of
    the symbol, not a number) or none."""
    return bool(doc_number) and bool(re.search(r"\d", doc_number.split("/")[0]))


def plan_label(doc: DocumentInfo) -> str:
    """"80/KH-UBND (Quảng Ngãi, 26/6/2020)": number (or title) with place and date when known."""
    if has_number(doc.doc_number):
        name = doc.doc_number
    elif doc.title:
        name = f"{(doc.doc_type or 'văn bản').lower()} “{doc.title}”"
    else:
        name = doc.source
    details = [x for x in (doc.place, show_date(doc.date)) if x]
    return f"{name} ({', '.join(details)})" if details else name


def plan_label_for(plan: PlanAnswer) -> str:
    """The label of a plan in an answer: number (or title) and date."""
    if has_number(plan.doc_number):
        name = plan.doc_number
    else:
        name = f"“{plan.title}”" if plan.title else plan.source
    when = show_date(plan.date)
    return f"{name} ({when})" if when else name


def show_date(iso: str | None) -> str | None:
    """"2020-06-26" → "26/6/2020", "2023-01" → "1/2023"."""
    if not iso:
        return None
    parts = [int(p) for p in iso.split("-")]
    return "/".join(str(p) for p in reversed(parts))
