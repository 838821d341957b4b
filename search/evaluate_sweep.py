"""Fusion sweep: Hit@3 per kind for every fusion method × dense weight (and context weight) on one query file.

Each query's lexical and dense candidate lists are computed once per context weight; every fusion setting then
re-ranks those lists, so a sweep costs little more than one hybrid evaluation. `tracuu eval FILE --sweep` prints it;
the defaults in search.retrieve.searcher (CONTEXT_WEIGHT, DENSE_WEIGHT_VI/EN, FUSION) were chosen from its output
on eval/real-dev.jsonl (docs/EVALUATION.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from search.evaluate import CUTOFF, EvalQuery, Metrics, judge, metrics

DENSE_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0)
CONTEXT_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
METHODS = ("weighted", "rrf")


@dataclass(frozen=True)
class SweepRow:
    """One setting: fusion method, dense share, context weight; metrics overall and per kind."""

    method: str
    dense_weight: float
    context_weight: float
    overall: Metrics
    kinds: dict[str, Metrics]


def sweep(searcher, queries: Sequence[EvalQuery], dense_weights: Sequence[float] = DENSE_WEIGHTS,
          context_weights: Sequence[float] = CONTEXT_WEIGHTS, methods: Sequence[str] = METHODS) -> list[SweepRow]:
    """Every (method, dense weight, context weight) setting on the queries; the searcher must have dense search."""
    from search.retrieve.searcher import CANDIDATES

    saved = searcher.context_weight
    parsed = [searcher.query_understanding.parse(q.q) for q in queries]
    texts: dict[int, tuple[str, str]] = {}
    rows_out: list[SweepRow] = []
    try:
        for cw in context_weights:
            searcher.context_weight = cw
            lists = [searcher.candidate_lists(p, CANDIDATES, "hybrid") for p in parsed]
            for method in methods:
                for dw in dense_weights:
                    outcomes = []
                    for q, p, cand in zip(queries, parsed, lists):
                        rows, _ = searcher.rank(p, cand, CUTOFF, fusion=method, dense_weight=dw)
                        outcomes.append(judge(q, _passages(searcher, rows, texts)))
                    kinds = sorted({o.kind for o in outcomes})
                    rows_out.append(SweepRow(method, dw, cw, metrics(outcomes),
                                             {k: metrics([o for o in outcomes if o.kind == k]) for k in kinds}))
    finally:
        searcher.context_weight = saved
    return rows_out


def _passages(searcher, rows, cache: dict[int, tuple[str, str]]) -> list[tuple[str, str]]:
    wanted = [int(r) for r in rows if int(r) not in cache]
    if wanted:
        docs = {d.doc_id: d.source for d in searcher.documents()}
        for chunk in searcher.reader.chunk_rows(wanted):
            cache[chunk.row] = (docs.get(chunk.doc_id, ""), chunk.text)
    return [cache[int(r)] for r in rows]


def format_sweep(rows: Sequence[SweepRow]) -> str:
    """A table: one line per setting, Hit@3 per kind then overall Hit@3 and MRR@10; the best overall marked *."""
    kinds = sorted({k for r in rows for k in r.kinds})
    header = f"{'fusion':<9} {'dense':>5} {'ctx':>5} " + " ".join(f"{k[:7]:>7}" for k in kinds) + "   Hit@3  MRR@10"
    best = max(rows, key=lambda r: (r.overall.hit_at_3, r.overall.mrr_at_10)) if rows else None
    lines = [header, "-" * len(header)]
    for r in rows:
        cells = " ".join(f"{r.kinds[k].hit_at_3:>7.3f}" if k in r.kinds else f"{'':>7}" for k in kinds)
        mark = " *" if r is best else ""
        lines.append(f"{r.method:<9} {r.dense_weight:>5.2f} {r.context_weight:>5.2f} {cells}   "
                     f"{r.overall.hit_at_3:.3f}  {r.overall.mrr_at_10:.3f}{mark}")
    return "\n".join(lines)
