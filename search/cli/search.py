"""`tracuu search` and `tracuu eval`: human-readable output by default, JSON with --json."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from indexer.settings import Settings
from search.ocr_note import ocr_note

SNIPPET = 320  # characters of passage shown per hit in the human output


def _index_dir(args: argparse.Namespace) -> Path:
    return Path(args.index) if getattr(args, "index", None) else Settings.from_env().index_dir


def _filters(args: argparse.Namespace) -> dict:
    wanted = {"year": args.year, "issuer": args.issuer, "place": getattr(args, "place", None),
              "doc_type": args.doc_type}
    return {k: v for k, v in wanted.items() if v}


def _snippet(text: str, highlights: list[list[int]]) -> str:
    """A window of the passage around its densest run of highlights, with highlighted words in [brackets]."""
    first = 0
    if highlights:
        # Open the window at the highlight whose neighbourhood holds the most highlighted text; squared lengths
        # favour whole phrases ("hàng quý báo cáo") over scattered single syllables.
        def mass(s0: int) -> int:
            return sum((e - s) ** 2 for s, e in highlights if s0 <= s < s0 + SNIPPET * 3 // 4)

        first = max((h[0] for h in highlights), key=mass)
    start = max(0, min(first - SNIPPET // 4, len(text) - SNIPPET))
    end = min(len(text), start + SNIPPET)
    pieces, cursor = [], start
    for s, e in highlights:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        pieces.append(text[cursor:s])
        pieces.append(f"[{text[s:e]}]")
        cursor = e
    pieces.append(text[cursor:end])
    body = " ".join("".join(pieces).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def search_payload(result) -> dict:
    """The `search --json` object (also the HTTP API's /search): query, mode, restored_query, hits (Hit fields)."""
    return {"query": result.query, "mode": result.mode, "restored_query": result.restored_query,
            "hits": [asdict(h) for h in result.hits]}


def cmd_search(args: argparse.Namespace) -> int:
    from search.retrieve.searcher import Searcher

    searcher = Searcher.open(_index_dir(args))
    result = searcher.search_result(args.query, k=args.k, mode=args.mode, filters=_filters(args) or None)
    if result.mode != args.mode and searcher.lexical_reason:
        print(searcher.lexical_reason, file=sys.stderr)
    if args.json:
        print(json.dumps(search_payload(result), ensure_ascii=False, indent=2))
        return 0
    if result.restored_query:
        print(f"Tìm theo: {result.restored_query}")
    if not result.hits:
        print(f"Không tìm thấy đoạn nào cho: {args.query}")
        return 0
    print(f"Chế độ: {result.mode} · {len(result.hits)} kết quả")
    for hit in result.hits:
        label = " · ".join(x for x in (hit.doc_number, hit.issuer, hit.date) if x)
        print(f"\n{hit.rank}. {hit.title or hit.source}  ({hit.score:.3f})")
        if label:
            print(f"   {label}")
        where = [hit.source]
        if hit.section:
            where.append(f"mục {hit.section}")
        if hit.page is not None:
            where.append(f"trang {hit.page}")
        if hit.ocr_confidence is not None:
            where.append(ocr_note(hit.ocr_confidence))
        print(f"   {' · '.join(where)}")
        print(f"   {_snippet(hit.text, hit.highlights)}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from search.evaluate import (BASELINE_MAX_CHUNKS, Bm25Baseline, evaluate, format_table, load_queries, missed,
                                 report_dict, searcher_fn)
    from search.retrieve.searcher import Searcher

    queries = load_queries(Path(args.queries))
    searcher = Searcher.open(_index_dir(args))
    if getattr(args, "sweep", False):
        from search.evaluate_sweep import format_sweep, sweep

        if not searcher.has_dense:
            print(f"Không quét được cách hợp nhất: {searcher.lexical_reason}")
            return 2
        rows = sweep(searcher, queries)
        if args.json:
            from dataclasses import asdict

            print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
        else:
            print(f"Quét cách hợp nhất trên {len(queries)} truy vấn · {args.queries} (Hit@3 theo loại)\n")
            print(format_sweep(rows))
        return 0
    mode = args.mode if args.mode == "lexical" or searcher.has_dense else "lexical"
    note = None if mode == args.mode else searcher.lexical_reason
    systems = []
    if mode == "hybrid":
        # Both fusions (the default first) and both retrievers alone, so the choice can be rechecked on any set.
        for fusion in sorted(("rrf", "weighted"), key=lambda f: f != searcher.fusion):
            systems.append(evaluate(f"tracuu hybrid ({fusion})", searcher_fn(searcher, "hybrid", fusion), queries))
        systems.append(evaluate("tracuu dense", searcher_fn(searcher, "dense"), queries))
    systems.append(evaluate("tracuu lexical" if mode != "dense" else "tracuu dense",
                            searcher_fn(searcher, "lexical" if mode != "dense" else "dense"), queries))
    n_rows = searcher.lexical.n_rows
    if n_rows <= BASELINE_MAX_CHUNKS:
        documents = [(d.source, searcher.reader.document_text(d.doc_id)) for d in searcher.documents()]
        systems.append(evaluate("rank_bm25 (1000 ký tự)", Bm25Baseline(documents), queries))
    else:
        skipped = f"Bỏ qua đường cơ sở rank_bm25: chỉ mục có {n_rows} đoạn (> {BASELINE_MAX_CHUNKS})."
        note = f"{note} {skipped}" if note else skipped
    if args.json:
        print(json.dumps(report_dict(str(args.queries), mode, systems, note), ensure_ascii=False, indent=2))
        return 0
    if note:
        print(note)
    print(f"Đánh giá {len(queries)} truy vấn · {args.queries} · chế độ {mode}\n")
    print(format_table(systems))
    misses = missed(systems[0], queries)
    if misses:
        print(f"\nTruy vấn chưa có đoạn đúng trong top 3 ({systems[0].name}):")
        print("\n".join(misses))
    return 0
