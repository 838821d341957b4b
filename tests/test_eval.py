"""Evaluation: relevance judging, metrics, the rank_bm25 baseline and `tracuu eval` on the dev queries."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from search.evaluate import (Bm25Baseline, EvalFileError, EvalQuery, counts, evaluate, format_table,
                             judge, load_queries, metrics)

REPO = Path(__file__).resolve().parents[1]
DEV_QUERIES = REPO.parent / "shared" / "eval" / "dev-queries.jsonl"


def query(**kw) -> EvalQuery:
    base = dict(id="q1", kind="fact", q="x", docs=("002_abc",), evidence={"002_abc": "Định kỳ  hàng quý"})
    base.update(kw)
    return EvalQuery(**base)


def test_counting_passage_needs_document_and_evidence() -> None:
    q = query()
    assert counts(q, "sub/002_abc.txt", "… ĐỊNH KỲ\nhàng   quý báo cáo …")  # NFC, case and spaces folded
    assert not counts(q, "002_abc.txt", "định kỳ hàng tháng")
    assert not counts(q, "003_def.txt", "định kỳ hàng quý")
    decomposed = "đi\u0323nh kỳ hàng quý"  # NFD input still matches
    assert counts(q, "002_abc.pdf", decomposed)


def test_metrics_from_outcomes() -> None:
    q1 = query(id="a", kind="fact")
    q2 = query(id="b", kind="list", docs=("002_abc", "004_x"), evidence={"002_abc": "A", "004_x": "B"})
    q3 = query(id="c", kind="fact")
    o1 = judge(q1, [("003_def.txt", "định kỳ hàng quý"), ("002_abc.txt", "định kỳ hàng quý")])
    o2 = judge(q2, [("004_x.txt", "b"), ("009.txt", "a")] + [("x.txt", "")] * 10 + [("002_abc.txt", "a")])
    o3 = judge(q3, [("001.txt", "nothing")])
    assert (o1.first_rank, o2.first_rank, o3.first_rank) == (2, 1, None)
    assert (o2.plans_found, o2.plans) == (1, 2)  # the 002 passage came after rank 10
    m = metrics([o1, o2, o3])
    assert m.n == 3
    assert m.hit_at_1 == pytest.approx(1 / 3) and m.hit_at_3 == pytest.approx(2 / 3)
    assert m.mrr_at_10 == pytest.approx((0.5 + 1.0) / 3)
    assert m.plan_recall_at_10 == pytest.approx((1 + 0.5 + 0) / 3)
    assert metrics([]).n == 0


def test_evaluate_groups_by_kind_and_formats_a_table() -> None:
    queries = [query(id="a", kind="fact"), query(id="b", kind="unaccented")]
    report = evaluate("toy", lambda q: [("002_abc.txt", "định kỳ hàng quý")], queries)
    assert set(report.kinds) == {"fact", "unaccented"} and report.overall.hit_at_1 == 1.0
    table = format_table([report])
    assert "unaccented" in table and "TỔNG" in table and "1.000" in table


def test_load_queries_errors(tmp_path: Path) -> None:
    with pytest.raises(EvalFileError, match="Không tìm thấy"):
        load_queries(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "q": "x"}\n', encoding="utf-8")
    with pytest.raises(EvalFileError, match="Dòng 1"):
        load_queries(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match="không có truy vấn"):
        load_queries(empty)


def test_dev_queries_file_loads() -> None:
    queries = load_queries(DEV_QUERIES)
    assert len(queries) >= 20 and {"unaccented", "abbrev"} <= {q.kind for q in queries}


def test_bm25_baseline_chunks_and_ranks() -> None:
    text = ("Mở đầu. " * 200) + "Định kỳ hàng quý báo cáo UBND tỉnh qua Sở Nội vụ."
    baseline = Bm25Baseline([("a.txt", text), ("b.txt", "Một văn bản khác về dân vận khéo.")])
    assert all(len(piece) <= 1000 for _, piece in baseline.chunks) and len(baseline.chunks) >= 3
    top_source, top_text = baseline("hàng quý báo cáo")[0]
    assert top_source == "a.txt" and "hàng quý" in top_text
    assert baseline("dân vận khéo")[0][0] == "b.txt"
    assert Bm25Baseline([])("x") == []


def run_eval(index_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search.cli", "eval", str(DEV_QUERIES), "--index", str(index_dir),
                           *extra], capture_output=True, text=True, encoding="utf-8", cwd=REPO, check=True)


def test_eval_cli_meets_the_lexical_acceptance_bar(lexical_index_dir: Path) -> None:
    payload = json.loads(run_eval(lexical_index_dir, "--mode", "lexical", "--json").stdout)
    assert payload["mode"] == "lexical"
    ours, baseline = payload["systems"]
    assert ours["name"] == "tracuu lexical" and baseline["name"].startswith("rank_bm25")
    overall = ours["overall"]["hit_at_3"]
    assert overall >= 0.9
    for kind in ("unaccented", "abbrev"):
        # unaccented and abbreviated questions do no worse than the set as a whole
        assert ours["kinds"][kind]["hit_at_3"] >= overall - 0.05
    assert overall > baseline["overall"]["hit_at_3"]
    assert len(ours["queries"]) == len(load_queries(DEV_QUERIES))


def test_eval_cli_human_table_and_hybrid_fallback(lexical_index_dir: Path) -> None:
    out = run_eval(lexical_index_dir).stdout  # default mode hybrid on a lexical-only index
    assert "tìm theo từ vựng" in out and "chế độ lexical" in out
    assert "tracuu lexical" in out and "rank_bm25" in out and "MRR@10" in out


def test_eval_cli_hybrid_reports_both_fusions(fake_index_dir: Path, monkeypatch, capsys) -> None:
    from argparse import Namespace

    from fake_embedder import FakeEmbedder
    from search.cli import search as cli_search
    from search.retrieve.searcher import Searcher

    real_open = Searcher.open.__func__
    # The fake model cannot be loaded by name: hand the embedder object to the store instead.
    monkeypatch.setattr(Searcher, "open", classmethod(
        lambda cls, index_dir, model=None, embedder=None: real_open(cls, index_dir, embedder=FakeEmbedder())))
    args = Namespace(queries=str(DEV_QUERIES), index=str(fake_index_dir), mode="hybrid", json=True)
    assert cli_search.cmd_eval(args) == 0
    payload = json.loads(capsys.readouterr().out)
    names = [s["name"] for s in payload["systems"]]
    assert names == ["tracuu hybrid (weighted)", "tracuu hybrid (rrf)", "tracuu dense", "tracuu lexical",
                     "rank_bm25 (1000 ký tự)"]  # the default fusion first
    assert payload["mode"] == "hybrid"


def test_decomposed_file_names_match_composed_stems(tmp_path) -> None:
    import unicodedata

    from search.evaluate import judge, load_queries

    nfd = unicodedata.normalize("NFD", "KẾ HOẠCH KIỂM TRA")
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "x", "kind": "fact", "q": "q", "docs": ["KẾ HOẠCH KIỂM TRA"], '
                    '"evidence": {"KẾ HOẠCH KIỂM TRA": "giám sát"}}\n', encoding="utf-8")
    query = load_queries(path)[0]
    outcome = judge(query, [("other.docx", "giám sát"), (f"sub/{nfd}.docx", "kiểm tra, giám sát bầu cử")])
    assert outcome.first_rank == 2
    assert judge(query, [(f"{nfd}.docx", "không liên quan")]).first_rank is None
