"""Retrieval evaluation on a JSONL query file: Hit@1, Hit@3, MRR@10, plan recall@10 per kind, and a rank_bm25 baseline."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Sequence

import numpy as np

from indexer.errors import TracuuError

CUTOFF = 10
BASELINE_CHUNK_SIZE = 1000
BASELINE_CHUNK_OVERLAP = 100
BASELINE_MAX_CHUNKS = 50_000  # rank_bm25 scores every chunk in Python: beyond this a run takes minutes per query

# search function: query → ranked (source, text) pairs
SearchFn = Callable[[str], Sequence[tuple[str, str]]]


class EvalFileError(TracuuError):
    """The evaluation file is missing or malformed."""


@dataclass(frozen=True)
class EvalQuery:
    id: str
    kind: str
    q: str
    docs: tuple[str, ...]  # source stems
    evidence: dict[str, str]  # source stem → phrase a counting passage must contain


@dataclass(frozen=True)
class Metrics:
    n: int
    hit_at_1: float
    hit_at_3: float
    mrr_at_10: float
    plan_recall_at_10: float


@dataclass(frozen=True)
class QueryOutcome:
    id: str
    kind: str
    first_rank: int | None  # rank of the first counting passage within the cutoff
    plans_found: int
    plans: int


@dataclass(frozen=True)
class SystemReport:
    name: str
    overall: Metrics
    kinds: dict[str, Metrics]
    queries: list[QueryOutcome]


def load_queries(path: Path) -> list[EvalQuery]:
    """Read the JSONL rows {"id", "kind", "q", "docs", "evidence"}."""
    path = Path(path)
    if not path.is_file():
        raise EvalFileError(f"Không tìm thấy tệp truy vấn {path}.")
    queries = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                # Stems compared in NFC: file names from macOS or some archives arrive decomposed (NFD).
                queries.append(EvalQuery(str(row["id"]), str(row.get("kind", "all")), str(row["q"]),
                                         tuple(_nfc(d) for d in row["docs"]),
                                         {_nfc(k): v for k, v in (row.get("evidence") or {}).items()}))
            except (ValueError, KeyError, TypeError) as error:
                raise EvalFileError(f"Dòng {number} của {path} không đúng định dạng ({error}); "
                                    'cần {"id", "kind", "q", "docs", "evidence"}.') from error
    if not queries:
        raise EvalFileError(f"Tệp {path} không có truy vấn nào.")
    return queries


def _canonical(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().casefold()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", str(text))


def source_stem(source: str) -> str:
    """The file name without extension, in NFC (what `docs` and `evidence` name documents by)."""
    return _nfc(PurePosixPath(source).stem)


def counts(query: EvalQuery, source: str, text: str) -> bool:
    """A passage counts when it comes from one of the query's plans and contains that plan's evidence phrase."""
    stem = source_stem(source)
    if stem not in query.docs:
        return False
    phrase = query.evidence.get(stem)
    return phrase is None or _canonical(phrase) in _canonical(text)


def judge(query: EvalQuery, ranked: Sequence[tuple[str, str]]) -> QueryOutcome:
    first: int | None = None
    found: set[str] = set()
    for rank, (source, text) in enumerate(ranked[:CUTOFF], start=1):
        if counts(query, source, text):
            found.add(source_stem(source))
            if first is None:
                first = rank
    return QueryOutcome(query.id, query.kind, first, len(found), len(query.docs))


def metrics(outcomes: Sequence[QueryOutcome]) -> Metrics:
    n = len(outcomes)
    if n == 0:
        return Metrics(0, 0.0, 0.0, 0.0, 0.0)
    return Metrics(
        n=n,
        hit_at_1=sum(o.first_rank is not None and o.first_rank <= 1 for o in outcomes) / n,
        hit_at_3=sum(o.first_rank is not None and o.first_rank <= 3 for o in outcomes) / n,
        mrr_at_10=sum(1.0 / o.first_rank for o in outcomes if o.first_rank is not None) / n,
        plan_recall_at_10=sum(o.plans_found / o.plans for o in outcomes if o.plans) / n,
    )


def evaluate(name: str, search: SearchFn, queries: Sequence[EvalQuery]) -> SystemReport:
    outcomes = [judge(q, list(search(q.q))) for q in queries]
    kinds = sorted({o.kind for o in outcomes})
    return SystemReport(name, metrics(outcomes), {k: metrics([o for o in outcomes if o.kind == k]) for k in kinds},
                        outcomes)


def searcher_fn(searcher, mode: str, fusion: str | None = None) -> SearchFn:
    """A SearchFn over our Searcher; `fusion` overrides the default fusion method in hybrid mode."""
    def search(query: str) -> list[tuple[str, str]]:
        parsed = searcher.query_understanding.parse(query)
        rows, scores = searcher.ranked_rows(parsed, CUTOFF, mode, fusion=fusion)
        return [(h.source, h.text) for h in searcher.hits_for_rows(parsed, rows, scores)]
    return search


class Bm25Baseline:
    """Plain rank_bm25 (BM25Okapi) over 1,000-character RecursiveCharacterTextSplitter chunks, whitespace-lowercase tokens."""

    def __init__(self, documents: Sequence[tuple[str, str]]) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter
        from rank_bm25 import BM25Okapi

        splitter = RecursiveCharacterTextSplitter(chunk_size=BASELINE_CHUNK_SIZE, chunk_overlap=BASELINE_CHUNK_OVERLAP)
        self.chunks = [(source, piece) for source, text in documents for piece in splitter.split_text(text)]
        self.bm25 = BM25Okapi([piece.lower().split() for _, piece in self.chunks] or [[""]])

    def __call__(self, query: str) -> list[tuple[str, str]]:
        if not self.chunks:
            return []
        scores = np.asarray(self.bm25.get_scores(unicodedata.normalize("NFC", query).lower().split()))
        top = np.argsort(-scores, kind="stable")[:CUTOFF]
        return [self.chunks[i] for i in top]


def report_dict(query_file: str, mode: str, systems: Sequence[SystemReport], note: str | None) -> dict:
    return {
        "queries": query_file,
        "mode": mode,
        "note": note,
        "systems": [
            {"name": s.name, "overall": asdict(s.overall), "kinds": {k: asdict(m) for k, m in s.kinds.items()},
             "queries": [asdict(o) for o in s.queries]}
            for s in systems
        ],
    }


def format_table(systems: Sequence[SystemReport]) -> str:
    header = f"{'hệ thống':<24} {'loại':<13} {'n':>3} {'Hit@1':>6} {'Hit@3':>6} {'MRR@10':>7} {'Recall@10':>9}"
    lines = [header, "-" * len(header)]
    for system in systems:
        rows = list(system.kinds.items()) + [("TỔNG", system.overall)]
        for kind, m in rows:
            lines.append(f"{system.name:<24} {kind:<13} {m.n:>3} {m.hit_at_1:>6.3f} {m.hit_at_3:>6.3f} "
                         f"{m.mrr_at_10:>7.3f} {m.plan_recall_at_10:>9.3f}")
        lines.append("")
    return "\n".join(lines).rstrip()


def missed(system: SystemReport, queries: Sequence[EvalQuery]) -> list[str]:
    """One line per query without a counting passage in the top 3 (for the human report)."""
    by_id = {q.id: q for q in queries}
    return [f"  {o.id} [{o.kind}] hạng {o.first_rank or '>10'}: {by_id[o.id].q}"
            for o in system.queries if o.first_rank is None or o.first_rank > 3]
