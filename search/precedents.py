"""Precedents for drafters: the plans most similar to a plan or a draft, and the same section across plans."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from indexer.model import DocumentInfo, PageSpan, Section
from indexer.text.vntext import key_loose, normalize, tokenize

# Section kinds of a plan (Nghị định 30/2020 practice), matched on the loose key of a heading, in
# this order: "Tổ chức thực hiện" before "Nội dung" because some headings read "Nội dung và tổ chức
# thực hiện", and "Kinh phí" before everything because it is often a sub-heading of another kind.
SECTION_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Kinh phí", (r"\bkinh phi\b", r"\bnguon von\b")),
    ("Chế độ báo cáo", (r"\bche do (thong tin )?bao cao\b", r"\bthong tin bao cao\b", r"^bao cao\b")),
    ("Tổ chức thực hiện", (r"\bto chuc thuc hien\b", r"\btrach nhiem\b", r"\bphan cong\b")),
    ("Mục đích, yêu cầu", (r"\bmuc dich\b", r"\byeu cau\b", r"\bquan diem\b")),
    ("Mục tiêu", (r"\bmuc tieu\b", r"\bchi tieu\b")),
    ("Nội dung, nhiệm vụ, giải pháp", (r"\bnoi dung\b", r"\bnhiem vu\b", r"\bgiai phap\b", r"\bhoat dong\b")),
)
_KIND_PATTERNS = [(kind, [re.compile(p) for p in pats]) for kind, pats in SECTION_KINDS]
_MAX_HEADING_WORDS = 12
KIND_ORDER = ("Mục đích, yêu cầu", "Mục tiêu", "Nội dung, nhiệm vụ, giải pháp", "Tổ chức thực hiện", "Kinh phí",
              "Chế độ báo cáo")


def section_kind(heading: str) -> str | None:
    """The kind of a section from its heading ("I. MỤC ĐÍCH, YÊU CẦU" → "Mục đích, yêu cầu"), None when unknown."""
    key = " ".join(key_loose(heading).split())
    key = re.sub(r"^[\W\divxlcdm]{0,8}[.)]\s*", "", key)  # drop the outline marker ("ii.", "3)", "a)")
    for kind, patterns in _KIND_PATTERNS:
        if any(p.search(key) for p in patterns):
            return kind
    return None


@dataclass(frozen=True)
class SectionText:
    """One section of a plan, with what is needed to show and to open it."""

    doc_id: str
    section: str  # outline path, "II"
    heading: str
    kind: str
    text: str  # the section as written (heading and body), a substring of the document text
    start: int
    page: int | None


@dataclass(frozen=True)
class PlanProfile:
    """A plan as precedent material: its metadata, whole text and classified sections."""

    info: DocumentInfo
    text: str
    sections: tuple[SectionText, ...]


@dataclass(frozen=True)
class SimilarPlan:
    info: DocumentInfo
    score: float  # cosine similarity of TF-IDF vectors, 0–1


@dataclass(frozen=True)
class SectionMatch:
    """Sections of other plans matching the query's section of one kind (or the whole draft when it has none)."""

    kind: str
    own: SectionText | None
    matches: tuple[tuple[SectionText, DocumentInfo, float], ...]


def classify_sections(
    doc_id: str, text: str, sections: Iterable[Section], pages: Sequence[PageSpan] = ()
) -> tuple[SectionText, ...]:
    """The outermost sections whose heading names a known kind; nested sections of a chosen one are skipped."""
    chosen: list[SectionText] = []
    for section in sorted(sections, key=lambda s: (s.start, s.level)):
        if chosen and section.start < chosen[-1].start + len(chosen[-1].text):
            continue
        # A long "heading" is an outline item that is really a sentence ("4. Tổ chức thực hiện tốt công tác …").
        kind = section_kind(section.heading) if len(section.heading.split()) <= _MAX_HEADING_WORDS else None
        if kind is None:
            continue
        page = next((p.number for p in pages if p.start <= section.start < p.end), None)
        chosen.append(
            SectionText(doc_id, section.path, section.heading, kind, text[section.start:section.end], section.start,
                        page)
        )
    return tuple(chosen)


def _terms(text: str) -> Counter[str]:
    """Loose syllable unigrams and bigrams: accents and case do not separate a draft from its precedents."""
    key = key_loose(text)
    syllables = [key[s:e] for s, e in tokenize(key)]
    counts = Counter(syllables)
    counts.update(f"{a} {b}" for a, b in zip(syllables, syllables[1:]))
    return counts


class _Vectorizer:
    """TF-IDF (sublinear tf, smoothed idf, l2-normalised) fitted on the plans' texts."""

    def __init__(self, documents: Sequence[str]):
        counted = [_terms(d) for d in documents]
        df: Counter[str] = Counter()
        for c in counted:
            df.update(c.keys())
        self.vocabulary = {term: i for i, term in enumerate(sorted(df))}
        n = len(documents)
        self.idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in sorted(df)], dtype=np.float32)
        self.matrix = self._rows(counted)

    def _rows(self, counted: Sequence[Counter[str]]) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for r, counts in enumerate(counted):
            for term, tf in counts.items():
                col = self.vocabulary.get(term)
                if col is not None:
                    rows.append(r)
                    cols.append(col)
                    vals.append((1.0 + math.log(tf)) * self.idf[col])
        m = sparse.csr_matrix((vals, (rows, cols)), shape=(len(counted), len(self.vocabulary)), dtype=np.float32)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ m)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self._rows([_terms(t) for t in texts])


class PrecedentFinder:
    """Built once from every plan in the index; answers "similar plans" and "same section elsewhere"."""

    def __init__(self, plans: Sequence[PlanProfile]):
        self.plans = list(plans)
        self._by_id = {p.info.doc_id: p for p in self.plans}
        self._plan_vectors = _Vectorizer([p.text for p in self.plans]) if self.plans else None
        self._sections: dict[str, list[SectionText]] = {}
        for plan in self.plans:
            for s in plan.sections:
                self._sections.setdefault(s.kind, []).append(s)
        self._section_vectors = {
            kind: _Vectorizer([s.text for s in items]) for kind, items in self._sections.items()
        }

    def plan(self, doc_id: str) -> PlanProfile | None:
        return self._by_id.get(doc_id)

    def kinds(self) -> list[str]:
        """Section kinds present in the archive, in the usual order of a plan."""
        return [k for k in KIND_ORDER if k in self._sections]

    def similar_plans(self, query: PlanProfile, k: int = 5) -> list[SimilarPlan]:
        """The k plans most similar to the query plan or draft (the query itself excluded)."""
        if self._plan_vectors is None or not query.text.strip():
            return []
        scores = (self._plan_vectors.matrix @ self._plan_vectors.transform([query.text]).T).toarray().ravel()
        order = np.argsort(-scores, kind="stable")
        out = []
        for i in order:
            plan = self.plans[int(i)]
            if plan.info.doc_id == query.info.doc_id or scores[i] <= 0:
                continue
            out.append(SimilarPlan(plan.info, float(scores[i])))
            if len(out) == k:
                break
        return out

    def matching_sections(
        self, query: PlanProfile, per_kind: int = 3, kinds: Sequence[str] | None = None
    ) -> list[SectionMatch]:
        """For each section kind: the query's own section of that kind and the closest sections of other plans."""
        results = []
        for kind in kinds or self.kinds():
            items = self._sections.get(kind, [])
            if not items:
                continue
            own = next((s for s in query.sections if s.kind == kind), None)
            probe = own.text if own else query.text
            vectors = self._section_vectors[kind]
            scores = (vectors.matrix @ vectors.transform([probe]).T).toarray().ravel()
            matches = []
            for i in np.argsort(-scores, kind="stable"):
                section = items[int(i)]
                if section.doc_id == query.info.doc_id or scores[i] <= 0:
                    continue
                matches.append((section, self._by_id[section.doc_id].info, float(scores[i])))
                if len(matches) == per_kind:
                    break
            results.append(SectionMatch(kind, own, tuple(matches)))
        return results


def draft_profile(text: str) -> PlanProfile:
    """A pasted draft as a query: normalised like an indexed document and split into its sections."""
    from indexer.structure.parse import parse_structure

    clean = normalize(text)
    structure = parse_structure(clean)
    info = DocumentInfo(
        doc_id="", source="", doc_type=structure.doc_type, doc_number=structure.doc_number, title=structure.title,
        issuer="; ".join(structure.issuers) or None, place=structure.place, date=structure.date, year=structure.year,
        signers=[], recipients=[], references=[], n_chunks=0,
    )
    return PlanProfile(info, clean, classify_sections("", clean, structure.sections))


def load_plans(reader) -> list[PlanProfile]:
    """Every indexed document as precedent material, read from an indexer.store.reader.IndexReader."""
    plans = []
    for info in reader.documents():
        text = reader.document_text(info.doc_id)
        sections = classify_sections(info.doc_id, text, reader.sections(info.doc_id), reader.pages(info.doc_id))
        plans.append(PlanProfile(info, text, sections))
    return plans
