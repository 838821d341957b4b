"""The outputs of lexical search on the benchmark queries, written to a file and compared with an earlier run's file.

A speed change to lexical search must not change its results: run this before the change (writing a snapshot) and
after (comparing with it). Every query is searched twice, first sight and warm, and both answers must agree.

    python -m bench.lexical_identity INDEX OUT.json [--compare BEFORE.json] [--queries N] [--k K]

The queries are those of bench.real_lexical (3–8 words cut from the index's passages, a quarter unaccented, seed 0)
plus the edge queries below. A snapshot records, per query: the restored query and, per hit, rank, doc_id, section,
page, score (float, exact) and highlights; comparing checks them all exactly. Exit status 1 on any difference.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

EXTRA_QUERIES = ["báo cáo định kỳ hàng quý", "bao cao dinh ky hang quy", "80/KH-UBND", "chuyên dùng", "dung2",
                 "quản lý sử dụng đường ngang", "which plans require quarterly reporting", "?", "và của các",
                 "Quyết định số 1234/QĐ-TTg ngày 10/5/2023", "ủy ban nhân dân tỉnh", "uy ban nhan dan tinh"]


def hit_record(hit) -> dict:
    """The compared fields of one Hit (the passage text by its hash)."""
    return {"rank": hit.rank, "doc_id": hit.doc_id, "section": hit.section, "page": hit.page, "score": hit.score,
            "text": hashlib.sha256(hit.text.encode("utf-8")).hexdigest()[:16], "highlights": hit.highlights}


def snapshot(index_dir: Path, n_queries: int = 200, k: int = 10) -> dict:
    """{"queries": [...], "results": [{"restored", "hits"}...]} of Searcher.search_result(mode="lexical")."""
    from bench.queries import make_queries
    from search import Searcher

    searcher = Searcher.open(index_dir)
    passages = [c.text for c in searcher.reader.chunk_rows(list(range(searcher.lexical.n_rows)))]
    texts = [q.text for q in make_queries(passages, n=n_queries, seed=0, dev_path=None)] + EXTRA_QUERIES
    results = []
    for text in texts:
        first = searcher.search_result(text, k=k, mode="lexical")
        again = searcher.search_result(text, k=k, mode="lexical")
        record = {"restored": first.restored_query, "hits": [hit_record(h) for h in first.hits]}
        if record != {"restored": again.restored_query, "hits": [hit_record(h) for h in again.hits]}:
            raise AssertionError(f"first-sight and warm results differ for {text!r}")
        results.append(record)
    return {"index": str(index_dir), "k": k, "queries": texts, "results": results}


def differences(before: dict, after: dict) -> list[str]:
    """One line per query whose results differ (queries matched by text)."""
    old = dict(zip(before["queries"], before["results"]))
    out = []
    for query, result in zip(after["queries"], after["results"]):
        if query not in old:
            out.append(f"{query!r}: not in the earlier snapshot")
        elif old[query] != result:
            out.append(f"{query!r}: {json.dumps(old[query], ensure_ascii=False)[:300]} "
                       f"→ {json.dumps(result, ensure_ascii=False)[:300]}")
    missing = set(old) - set(after["queries"])
    out += [f"{query!r}: missing now" for query in sorted(missing)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args(argv)
    result = snapshot(args.index, args.queries, args.k)
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    if args.compare is None:
        print(f"{len(result['queries'])} queries written to {args.out}")
        return 0
    diff = differences(json.loads(args.compare.read_text(encoding="utf-8")), result)
    for line in diff:
        print(line)
    print(f"{len(result['queries'])} queries, {len(diff)} differ from {args.compare}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
