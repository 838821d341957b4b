"""Two-phase exact pruning of the long posting columns at 1M passages, measured beside exhaustive scoring (not shipped).

    python -m bench.lexical_prune WORK [--long 0.05] [--alpha 0.5]

WORK is a folder built by bench.lexical_scale (our index in WORK/ours, the queries in WORK/queries.pkl; nothing is
written). Per query, the product plan (LexicalIndex.columns) is put in a fixed order: columns of at most
`long` × n_rows postings in the query's order, then the long ones by decreasing bound (query weight × IDF × (k1 + 1),
above any BM25 weight of the column). Both paths sum in that order, so their float32 scores are bit-identical:

- full: every column scattered into a dense score array (scipy's CSC kernel, as LexicalIndex.scores), then top-k;
- pruned: the short columns are scattered; θ₀ = the k-th best partial score of the rows of the rarest columns (a
  lower bound of the k-th best final score, as every contribution is ≥ 0) chooses the suffix of long columns to
  skip (the longest suffix whose summed bound U is ≤ α θ₀); the other long columns are scattered too; θ = the exact
  k-th best partial score; the rows with partial ≥ θ − U are the only possible top-k rows. When rescoring them would
  cost more than scattering the skipped postings (candidates × skipped columns × `lookup_ns` against postings ×
  `posting_ns`), or θ ≤ U, the skipped columns are scattered after all; otherwise they are added to the candidates
  alone (binary search in each column, in order; `--numba`: one compiled galloping merge instead), the candidate set
  shrinking after each column as the bound left drops.

Prints the number of queries whose top-k (rows and float32 scores) differ between the paths (must be 0), the
candidate counts, the share of postings skipped, CPU time per phase and CPU QPS of both paths, twice alternating.
"""
from __future__ import annotations

import argparse
import collections
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse._sparsetools import csc_matvec

from bench.lexical_bench import K, product_query
from indexer.store.lexical import LexicalIndex
from indexer.store.scoring.bm25 import candidates as dense_candidates, top_k

PROBE = 1024  # rows of the shortest columns whose partial scores give θ


def _rescore(rows, weights, bounds, factors, cand, exact):
    """exact[i] += factor × weight of cand[i] in each column (bounds[j] = start, end; rows ascending), in order."""
    for j in range(bounds.shape[0]):
        start, end = bounds[j, 0], bounds[j, 1]
        f = factors[j]
        p = start
        for i in range(cand.shape[0]):
            r = cand[i]
            # gallop from p, then binary search
            step = 1
            hi = p
            while hi < end and rows[hi] < r:
                p = hi + 1
                hi = p + step
                step *= 2
            if hi > end:
                hi = end
            lo = p
            while lo < hi:
                mid = (lo + hi) >> 1
                if rows[mid] < r:
                    lo = mid + 1
                else:
                    hi = mid
            p = lo
            if p >= end:
                break
            if rows[p] == r:
                exact[i] += weights[p] * f


def _kth(values: np.ndarray, k: int) -> float:
    return float(np.partition(values, values.size - k)[values.size - k]) if values.size >= k else 0.0


class Pruner:
    """The two paths over one index; `timers` accumulates CPU seconds per phase of the pruned path."""

    def __init__(self, index: LexicalIndex, long_share: float, alpha: float) -> None:
        self.index, self.n, self.long_share, self.alpha = index, index.n_rows, long_share, alpha
        self.timers: dict[str, float] = collections.defaultdict(float)
        self.stats: dict[str, list] = collections.defaultdict(list)
        self.kernel = None
        self.lookup_ns, self.posting_ns = 150.0, 0.7  # measured: one binary search in a long column; one posting

    def plan(self, query):
        """(plan in the fixed order, bounds, number of short columns, lengths)."""
        index, n = self.index, self.n
        cols, qw = index.columns(query)
        starts, ends = index.indptr[cols].astype(np.int64), index.indptr[cols + 1].astype(np.int64)
        keep = ends > starts
        qw, starts, ends = qw[keep], starts[keep], ends[keep]
        lengths = ends - starts
        bound = qw.astype(np.float64) * np.log1p((n - lengths + 0.5) / (lengths + 0.5)) * (index.params.k1 + 1.0)
        long = lengths > n * self.long_share
        long_idx = np.flatnonzero(long)
        order = np.concatenate([np.flatnonzero(~long), long_idx[np.argsort(-bound[long_idx], kind="stable")]])
        plan = [(np.array([starts[j], ends[j]], dtype=index.rows.dtype), np.array([qw[j]], dtype=np.float32))
                for j in order]
        return plan, bound[order], int((~long).sum()), lengths[order]

    def _scatter(self, scores, bounds, factor) -> None:
        csc_matvec(self.n, 1, bounds, self.index.rows, self.index.weights, factor, scores)

    def full(self, plan, bound, n_short, lengths):
        scores = np.zeros(self.n, np.float32)
        for column in plan:
            self._scatter(scores, *column)
        rows = dense_candidates(scores, K)
        return top_k(rows, scores[rows], K)

    def pruned(self, plan, bound, n_short, lengths):
        clock, timers, rows_all, weights = time.thread_time, self.timers, self.index.rows, self.index.weights
        t0 = clock()
        partial = np.zeros(self.n, np.float32)
        for j in range(n_short):
            self._scatter(partial, *plan[j])
        t1 = clock(); timers["scatter short"] += t1 - t0
        n = len(plan)
        suffix = np.concatenate([np.cumsum(bound[::-1])[::-1], [0.0]]) * 1.001  # bound of skipping t..n-1
        parts, total = [], 0
        for j in np.argsort(lengths[:n_short], kind="stable").tolist():
            parts.append(rows_all[int(plan[j][0][0]):int(plan[j][0][1])][: PROBE - total])
            total += parts[-1].size
            if total >= PROBE:
                break
        probe = np.unique(np.concatenate(parts)) if parts else np.zeros(0, rows_all.dtype)
        theta = _kth(partial[probe], K)
        t = n_short
        while t < n and suffix[t] > self.alpha * theta:
            t += 1
        t2 = clock(); timers["theta"] += t2 - t1
        for j in range(n_short, t):
            self._scatter(partial, *plan[j])
        t3 = clock(); timers["scatter long"] += t3 - t2
        if t == n or theta <= 0:
            self.stats["full"].append(1)
            rows = dense_candidates(partial, K)
            return top_k(rows, partial[rows], K)
        first = dense_candidates(partial, K)  # rows ≥ a sampled bound: a superset of the partial top k
        theta = _kth(partial[first], K)  # the exact k-th best partial score
        low = theta - suffix[t] - 1e-6 * theta
        values = partial[first]
        if low <= 0:
            cand = first  # not read: the skipped columns are scattered below
        elif values.size and values.min() < low:
            cand = first[values >= low]
        else:
            cand = np.flatnonzero(partial >= low)
        cand = cand.astype(rows_all.dtype)
        t4 = clock(); timers["candidates"] += t4 - t3
        if low <= 0 or cand.size * (n - t) * self.lookup_ns > lengths[t:].sum() * self.posting_ns:
            self.stats["late full"].append(1)  # rescoring would cost more than scattering the rest
            for j in range(t, n):
                self._scatter(partial, *plan[j])
            rows = dense_candidates(partial, K)
            out = top_k(rows, partial[rows], K)
            timers["late full"] += clock() - t4
            return out
        self.stats["candidates"].append(cand.size)
        self.stats["skipped"].append(int(lengths[t:].sum()))
        exact = partial[cand]
        if self.kernel is not None:
            bounds = np.asarray([plan[j][0] for j in range(t, n)], dtype=np.int64).reshape(-1, 2)
            factors = np.asarray([plan[j][1][0] for j in range(t, n)], dtype=np.float32)
            self.kernel(rows_all, weights, bounds, factors, cand, exact)
            positive = exact > 0
            out = top_k(cand[positive].astype(np.int64), exact[positive], K)
            timers["rescore"] += clock() - t4
            return out
        for j in range(t, n):
            (start, end), factor = plan[j][0].tolist(), plan[j][1]
            column = rows_all[start:end]
            at = np.minimum(np.searchsorted(column, cand), column.size - 1)
            hit = np.flatnonzero(column[at] == cand)
            if hit.size:
                exact[hit] += weights[start + at[hit]] * factor[0]
            if j + 1 < n and cand.size > K:
                kth = _kth(exact, K)
                keep = exact >= kth - suffix[j + 1] - 1e-6 * kth
                cand, exact = cand[keep], exact[keep]
        positive = exact > 0
        out = top_k(cand[positive].astype(np.int64), exact[positive], K)
        timers["rescore"] += clock() - t4
        return out


def _cpu(call, plans, after_warm_up=lambda: None) -> np.ndarray:
    for plan in plans[:5]:
        call(*plan)
    after_warm_up()
    out = []
    for plan in plans:
        start = time.thread_time()
        call(*plan)
        out.append(time.thread_time() - start)
    return np.asarray(out) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--long", type=float, default=0.05, help="a column longer than this share of rows is long")
    parser.add_argument("--numba", action="store_true", help="rescore in one compiled galloping merge")
    parser.add_argument("--alpha", type=float, default=0.5, help="skip long columns while their bound ≤ α θ")
    args = parser.parse_args(argv)
    with open(args.work / "queries.pkl", "rb") as handle:
        texts = [q.text for q in pickle.load(handle)]
    pruner = Pruner(LexicalIndex.load(args.work / "ours"), args.long, args.alpha)
    if args.numba:
        from numba import njit

        pruner.kernel = njit(nogil=True)(_rescore)
    plans = [pruner.plan(product_query(t)) for t in texts]
    differ = 0
    for plan in plans:
        (a_rows, a_scores), (b_rows, b_scores) = pruner.full(*plan), pruner.pruned(*plan)
        differ += not (np.array_equal(a_rows, b_rows) and np.array_equal(a_scores, b_scores))
    cand = np.asarray(pruner.stats["candidates"])
    postings = float(np.mean([p[3].sum() for p in plans]))
    print(f"{len(plans)} queries, {pruner.n:,} rows, long > {args.long:.0%} of rows, alpha {args.alpha}: "
          f"{differ} differ; {len(pruner.stats['full'])} + {len(pruner.stats['late full'])} fall back to full scoring; candidates p50 "
          f"{np.median(cand):.0f} p90 {np.percentile(cand, 90):.0f} max {cand.max()}; postings skipped "
          f"{np.sum(pruner.stats['skipped']) / len(plans) / postings:.0%} of {postings / 1e6:.2f}M per query")
    print(f"load {os.getloadavg()[0]:.2f}")
    for _ in range(2):
        for name, call in (("full", pruner.full), ("pruned", pruner.pruned)):
            cpu = _cpu(call, plans, pruner.timers.clear)
            phases = ", ".join(f"{k} {v / len(plans) * 1e3:.3f}" for k, v in pruner.timers.items())
            print(f"{name:7s} CPU p50 {np.median(cpu):.3f} mean {cpu.mean():.3f} p95 {np.percentile(cpu, 95):.3f} ms, "
                  f"CPU QPS {1e3 / cpu.mean():.1f}" + (f"; per query, ms: {phases}" if phases else ""))
    print(f"load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
