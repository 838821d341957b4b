"""The benchmark's Markdown tables and the target checks (issue 6 targets, measured on this machine)."""
from __future__ import annotations


def _ours(result: dict, engine: str = "ours (product)") -> dict | None:
    for row in (result.get("lexical") or {}).get("engines", []):
        if row["engine"] == engine:
            return row
    return None


def _engine(result: dict, prefix: str) -> dict | None:
    for row in (result.get("lexical") or {}).get("engines", []):
        if row["engine"].startswith(prefix):
            return row
    return None


def chosen_dense_row(result: dict) -> dict | None:
    """The row of the index type indexer.store.ann picks at this size (else the fastest row with recall ≥ 0.95)."""
    dense = result.get("dense") or {}
    rows = dense.get("rows", [])
    plan = dense.get("chosen")
    if plan:
        for row in rows:
            if row["index"] == plan.get("index") and row["params"] == plan.get("params"):
                return row
    good = [r for r in rows if r["recall_at_10"] >= 0.95]
    return min(good, key=lambda r: r["p95_ms"]) if good else None


def _check(name: str, value, limit, met: bool | None, unit: str = "", scope: str = "") -> dict:
    return {"target": name, "value": value, "limit": limit, "unit": unit, "met": met, "scope": scope}


def evaluate_targets(result: dict) -> list[dict]:
    """Each issue-6 target with the measured value at this size; `scope` names the size the target is defined at."""
    checks = []
    bm25s, rank = _engine(result, "bm25s"), _engine(result, "rank_bm25")
    for engine in ("ours (product)", "ours (product, fast path)"):
        ours = _ours(result, engine)
        if not ours:
            continue
        checks.append(_check(f"lexical p95, {engine}", ours["p95_ms"], 50, ours["p95_ms"] <= 50, "ms", "1M"))
        if bm25s:
            checks.append(_check(f"lexical QPS {engine} / bm25s (single queries)", round(ours["qps"] / bm25s["qps"], 2),
                                 1.0, ours["qps"] >= bm25s["qps"], "×", "1M"))
        if rank:
            ratio = round(ours["qps"] / rank["qps"], 1) if rank["qps"] else None
            checks.append(_check(f"lexical QPS {engine} / rank_bm25", ratio, 100, ratio is not None and ratio >= 100,
                                 "×", "100k"))
    row = chosen_dense_row(result)
    if row:
        checks.append(_check(f"dense p95 ({row['index']} {row['params']})".strip(), row["p95_ms"], 20,
                             row["p95_ms"] <= 20 and row["recall_at_10"] >= 0.95, "ms", "1M"))
        checks.append(_check("dense recall@10 vs exact", row["recall_at_10"], 0.95, row["recall_at_10"] >= 0.95, "", "1M"))
    e2e = result.get("e2e")
    if e2e:
        hybrid = e2e["search"]["modes"]["hybrid"]["excluding_encoding"]
        checks.append(_check("warm hybrid search p95 (encoding excluded)", hybrid["p95_ms"], 100, hybrid["p95_ms"] <= 100, "ms", "1M"))
        pps = e2e["indexing"]["passages_per_s"]
        checks.append(_check("indexing read → chunk → store → lexical", pps, 1000, pps >= 1000, "passages/s", "any"))
        ready = e2e["search"]["ready_s"]
        checks.append(_check("open an index (lexical + FAISS loaded)", ready, 2.0, ready <= 2.0, "s", "1M"))
        rss = e2e["search"]["rss_process_mb"]
        checks.append(_check("searcher process RSS (warm)", rss, 3072, rss <= 3072, "MiB", "1M"))
        real = e2e.get("real_query")
        if real:
            p95, p50 = real["hybrid"]["p95_ms"], real["query_embed"]["p50_ms"]
            checks.append(_check("warm hybrid search p95, real query embedder", p95, 50, p95 <= 50, "ms", "100k"))
            checks.append(_check("query embedding p50 (real model)", p50, 10, p50 <= 10, "ms", "any"))
    onnx = (result.get("onnx") or {}).get("backends")
    if onnx and "onnx int8" in onnx:
        int8 = onnx["onnx int8"]
        checks.append(_check("ONNX int8 throughput / torch fp32", int8["speedup_vs_torch"], 2.0, int8["speedup_vs_torch"] >= 2.0, "×", "any"))
        cos = int8["cosine_vs_torch"]["mean"]
        checks.append(_check("ONNX int8 cosine vs torch fp32 (mean)", cos, 0.98, cos >= 0.98, "", "any"))
    return checks


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != 0 and abs(value) < 1:
            return f"{value:.3f}"  # sub-millisecond latencies need more than one decimal
        if abs(value) < 10:
            return f"{value:.{max(digits, 2)}f}"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(_fmt(c) if not isinstance(c, str) else c for c in row) + " |" for row in rows]
    return lines


def render_markdown(result: dict) -> str:
    out = [f"## Benchmark {result['size']} ({result['passages']:,} passages, {result['queries']['total']} queries, "
           f"{result['threads']} threads)", "",
           f"Machine: {result['machine']['cpus']} CPU ({result['machine']['cpu']}), load average at start "
           f"{', '.join(f'{x:.1f}' for x in result['machine']['load_avg_at_start'])}, at end "
           f"{', '.join(f'{x:.1f}' for x in result['machine'].get('load_avg_at_end', []))}. Run took {_fmt(result.get('duration_s'))} s. "
           f"Queries by kind: {', '.join(f'{k} {v}' for k, v in result['queries']['by_kind'].items())}.", ""]
    lex = result.get("lexical")
    if lex:
        out += [f"### Lexical (top-{lex['k']}, single queries in sequence; overlap vs {lex['reference']})", ""]
        rows = []
        for r in lex["engines"]:
            kinds = r.get("top10_overlap_by_kind") or {}
            rows.append([r["engine"] + (" *" if r.get("extrapolated") else ""), r["p50_ms"], r["p95_ms"], r["qps"],
                         r.get("batch_qps"), _fmt(r.get("top10_overlap"), 3),
                         " / ".join(f"{kinds[k]:.2f}" for k in ("span", "span_unaccented", "dev") if k in kinds) or "–",
                         r["build_s"], r.get("index_mb")])
        out += _table(["engine", "p50 ms", "p95 ms", "QPS", "batch QPS", "top-10 overlap",
                       "overlap span / unaccented / dev", "build s", "index MiB"], rows)
        notes = [f"{r['engine']}: {r['note']}" for r in lex["engines"] if r.get("note")]
        out += [""] + [f"- {n}" for n in notes] + [""]
    if result.get("real"):
        from bench.real_lexical import render

        out += [render(result["real"])]
    dense = result.get("dense")
    if dense:
        dist = dense["distribution"]
        out += [f"### Dense ({dense['vectors']:,} × {dense['dimension']}, {dense['queries']} real query vectors, k={dense['k']})", "",
                f"Real model throughput (torch fp32, 2 threads): {_fmt(dense['real_embedding_passages_per_s'])} passages/s. "
                f"Distribution real vs synthetic: mean cosine {dist['real']['mean_cosine']} vs {dist['synthetic']['mean_cosine']}, "
                f"mean nearest-neighbour cosine {dist['real']['mean_nn_cosine']} vs {dist['synthetic']['mean_nn_cosine']}.", ""]
        chosen = chosen_dense_row(result)
        rows = [[("**" + r["index"] + "**") if r is chosen else r["index"], r["params"] or "–", r["p50_ms"], r["p95_ms"],
                 r["qps"], _fmt(r["recall_at_10"], 3), r["build_s"], r["memory_mb"]] for r in dense["rows"]]
        out += _table(["index", "search param", "p50 ms", "p95 ms", "QPS", "recall@10", "build s", "size MiB"], rows) + [""]
    e2e = result.get("e2e")
    if e2e:
        idx, s = e2e["indexing"], e2e["search"]
        out += [f"### End to end ({e2e['documents']:,} plan files, {e2e['passages']:,} passages)", "",
                f"Indexing (build_index, lexical only): {_fmt(idx['seconds'])} s = {_fmt(idx['documents_per_s'])} documents/s, "
                f"{_fmt(idx['passages_per_s'])} passages/s, peak RSS {_fmt(idx['peak_rss_mb'])} MiB. "
                f"Dense re-build (stand-in embedder + FAISS): {_fmt(e2e['dense_build']['seconds'])} s, "
                f"index {((e2e['dense_build'].get('dense') or {}).get('type'))}. "
                f"Index on disk: {_fmt(e2e['index_size_mb']['generation'])} MiB "
                f"({', '.join(f'{k} {v}' for k, v in e2e['index_size_mb']['files'].items())}); folder with embedding cache "
                f"{_fmt(e2e['index_size_mb']['folder_total'])} MiB.",
                f"Open: {_fmt(s['open_s'], 2)} s (lexical + store), {_fmt(s['ready_s'], 2)} s with FAISS loaded; first query "
                f"{_fmt(s['first_query_ms'])} ms. Searcher RSS: +{_fmt(s['rss_open_mb'])} MiB after open, "
                f"+{_fmt(s['rss_warm_mb'])} MiB warm, process {_fmt(s['rss_process_mb'])} MiB. "
                f"Query understanding alone: p50 {_fmt(s['query_understanding']['p50_ms'], 2)} ms, "
                f"p95 {_fmt(s['query_understanding']['p95_ms'], 2)} ms.", ""]
        rows = [[mode, v["excluding_encoding"]["p50_ms"], v["excluding_encoding"]["p95_ms"], v["excluding_encoding"]["qps"]]
                for mode, v in s["modes"].items()]
        out += _table(["Searcher.search mode (warm, k=10)", "p50 ms", "p95 ms", "QPS"], rows) + [""]
        real = e2e.get("real_query")
        if real:
            load = lambda key: ", ".join(f"{x:.1f}" for x in real[key])  # noqa: E731
            out += [f"#### Hybrid with the real query embedder: {real['model']}", "",
                    f"Same index (synthetic passage vectors); queries embedded by the real model ({real['backend']}, "
                    f"{real['query_threads']} thread per query); per query, embedding alone, hybrid and lexical timed back "
                    f"to back. First hybrid query {_fmt(real['first_hybrid_ms'])} ms. Load average at start "
                    f"{load('load_avg_at_start')}, at end {load('load_avg_at_end')}.", ""]
            rows = [[label, real[key]["p50_ms"], real[key]["p95_ms"], real[key]["qps"]] for label, key in (
                ("hybrid (real query embedding included)", "hybrid"), ("hybrid minus its query embedding", "hybrid_excluding_encoding"),
                ("lexical", "lexical"), ("query embedding alone", "query_embed"))]
            out += _table([f"warm, k=10, {real['queries']} queries", "p50 ms", "p95 ms", "QPS"], rows) + [""]
    onnx = result.get("onnx")
    if onnx and onnx.get("backends"):
        out += [f"### Encoding: {onnx['model']}", "",
                f"{onnx['passages']} passages (mean {onnx['mean_tokens']} tokens, max {onnx['max_seq_length']}), "
                f"batch 32 sorted by length, 2 threads. Model files: fp32 {onnx['fp32_file_mb']} MiB, int8 {onnx['int8_file_mb']} MiB.", ""]
        rows = [[name, b["passages_per_s"], b["speedup_vs_torch"], b["query_latency"]["p50_ms"], b["query_latency"]["p95_ms"],
                 _fmt(b["cosine_vs_torch"]["mean"], 4), _fmt(b["cosine_vs_torch"]["min"], 4)] for name, b in onnx["backends"].items()]
        out += _table(["backend", "passages/s", "× torch", "query p50 ms", "query p95 ms", "cosine mean", "cosine min"], rows) + [""]
    if result.get("targets"):
        out += ["### Targets (issue 6)", ""]
        rows = [[t["target"], f"{_fmt(t['value'], 2)} {t['unit']}".strip(), f"{_fmt(t['limit'], 2)} {t['unit']}".strip(),
                 t["scope"], "yes" if t["met"] else "**no**"] for t in result["targets"]]
        out += _table(["target", "measured", "limit", "defined at", "met here"], rows) + [""]
    return "\n".join(out)
