"""The real-text lexical benchmark: ours beside bm25s and rank_bm25, and a breakdown of a query by stage."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.real_lexical import STAGES, StageClock, instrumented, render, run_real
from bench.synth import DEFAULT_VBPL


@pytest.mark.slow
@pytest.mark.skipif(not DEFAULT_VBPL.exists(), reason="needs ../shared/data/vbpl-central-1000")
def test_real_bench_reports_every_engine_and_stage(tmp_path: Path) -> None:
    result = run_real(tmp_path, n_docs=6, n_queries=12, progress=lambda message: None, rank_bm25_queries=3)
    assert result["documents"] == 6 and result["passages"] > 20 and result["positions"] is True
    for row in (result["ours"]["warm"], result["ours"]["first_sight"], result["bm25s"]):
        assert 0 < row["p50_ms"] <= row["p95_ms"] and 0 < row["cpu_p50_ms"] <= row["cpu_p95_ms"]
    assert result["rank_bm25"]["p50_ms"] > 0
    assert list(result["stages_ms"]) == list(STAGES) and all(v >= 0 for v in result["stages_ms"].values())
    assert result["stages_ms"]["bm25"] > 0 and result["stages_ms"]["highlight"] > 0
    assert list(result["stages_cpu_ms"]) == list(STAGES) and result["stages_cpu_ms"]["proximity"] > 0
    assert result["build_passages_per_s"] > 0
    text = render(result)
    assert "bm25s" in text and "rank_bm25" in text and "understanding" in text


def test_instrumentation_counts_and_restores(lexical_index_dir: Path) -> None:
    from search import Searcher
    import search.retrieve.proximity as proximity

    searcher = Searcher.open(lexical_index_dir)
    original_rerank, original_search = proximity.rerank, searcher.lexical.search
    clock = StageClock()
    with instrumented(searcher, clock):
        searcher.search("báo cáo kết quả hàng quý", k=5, mode="lexical")
    assert clock.spent["understanding"] > 0 and clock.spent["bm25"] > 0 and clock.spent["proximity"] > 0
    assert proximity.rerank is original_rerank and searcher.lexical.search == original_search
    assert "search" not in vars(searcher.lexical)
    searcher.parse.cache_clear()  # still the cached understanding
