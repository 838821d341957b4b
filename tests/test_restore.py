"""Diacritic restoration of unaccented queries from the archive's own words (search.query.restore)."""
from __future__ import annotations

from pathlib import Path

from indexer.store.lexical import LexicalIndex
from search import Searcher
from search.query.parse import QueryUnderstanding
from search.query.restore import DiacriticRestorer


def _understanding(texts: list[str]) -> QueryUnderstanding:
    return QueryUnderstanding(restorer=DiacriticRestorer.from_index(LexicalIndex.build(texts)))


def test_sample_corpus_restores_the_quarterly_question(lexical_index_dir: Path) -> None:
    searcher = Searcher.open(lexical_index_dir)
    parsed = searcher.query_understanding.parse("ke hoach nao yeu cau bao cao hang quy ve so noi vu")
    assert parsed.restored == "kế hoạch nào yêu cầu báo cáo hàng quý về sở nội vụ"
    assert parsed.dense_text == parsed.restored
    assert parsed.text == "ke hoach nao yeu cau bao cao hang quy ve so noi vu"  # the lexical side keeps the typed text


def test_context_picks_the_form_the_neighbours_ask_for() -> None:
    # "phương" alone is the more frequent form; next to "xã" and "thị trấn" the archive writes "phường".
    texts = ["phương án phương án phương hướng phương thức phương án"] * 3 + ["các xã, phường, thị trấn"] * 2
    understanding = _understanding(texts)
    assert understanding.parse("xa phuong thi tran").restored == "xã phường thị trấn"
    assert understanding.parse("phuong an").restored == "phương án"


def test_accented_queries_codes_and_case_are_left_alone() -> None:
    understanding = _understanding(["Ủy ban nhân dân tỉnh Lâm Đồng ban hành kế hoạch 25/KH-UBND"] * 2)
    assert understanding.parse("kế hoạch của tỉnh").restored is None
    restored = understanding.parse("UBND tinh Lam Dong ke hoach 25/KH-UBND").restored
    assert restored == "UBND tỉnh Lâm Đồng kế hoạch 25/KH-UBND"


def test_unknown_words_and_indexes_without_statistics() -> None:
    understanding = _understanding(["kế hoạch năm 2026"] * 2)
    assert understanding.parse("zzz qqq").restored is None
    bare = LexicalIndex.build(["kế hoạch"])
    bare.language = None
    assert DiacriticRestorer.from_index(bare) is None


def test_statistics_survive_save_and_load(tmp_path: Path) -> None:
    index = LexicalIndex.build(["các xã, phường, thị trấn"] * 2 + ["phương án"] * 5)
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    understanding = QueryUnderstanding(restorer=DiacriticRestorer.from_index(loaded))
    assert understanding.parse("xa phuong").restored == "xã phường"


def test_cli_shows_what_it_searched_for(lexical_index_dir: Path) -> None:
    import json
    import subprocess
    import sys

    command = [sys.executable, "-m", "search.cli", "search", "bao cao hang quy", "--index", str(lexical_index_dir),
               "-k", "1"]
    out = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", check=True).stdout
    assert out.splitlines()[0] == "Tìm theo: báo cáo hàng quý"
    payload = json.loads(subprocess.run(command + ["--json"], capture_output=True, text=True, encoding="utf-8",
                                        check=True).stdout)
    assert payload["restored_query"] == "báo cáo hàng quý"
    accented = subprocess.run(command[:4] + ["báo cáo hàng quý"] + command[5:] + ["--json"], capture_output=True,
                              text=True, encoding="utf-8", check=True).stdout
    assert json.loads(accented)["restored_query"] is None


def test_common_words_beat_rare_misspellings_and_question_phrases_are_fixed() -> None:
    # "Lâm đòng" (an OCR slip) must not win because it is rare: an unseen pair after it is not more likely.
    texts = ["UBND tỉnh Lâm Đồng ban hành kế hoạch"] * 30 + ["Lâm đòng"] + ["Sở Nội vụ làm việc"] * 5
    understanding = _understanding(texts)
    assert understanding.parse("ubnd tinh lam dong giao so noi vu lam gi").restored == \
        "ubnd tỉnh lâm đồng giao sở nội vụ làm gì"
    assert understanding.parse("bao nhieu lan").restored.startswith("bao nhiêu")
    assert understanding.parse("bao cao gui ve dau").restored.endswith("về đâu")


def test_period_phrases_restore_to_the_period_whatever_the_counts() -> None:
    # An archive where "quy" (quy định, quy chế) and "mới" are far more frequent than "quý" and "mỗi", and
    # "hằng quý" never occurs: word statistics alone give "hằng quy" and "mới quy".
    texts = (["quy định quy chế quy trình hằng năm hằng năm báo cáo mới ban hành"] * 20
             + ["báo cáo quý về Sở Nội vụ", "mỗi năm"])
    understanding = _understanding(texts)
    assert understanding.parse("ke hoach nao bao cao hang quy ve SNV").restored.endswith("hằng quý về SNV")
    assert understanding.parse("moi quy bao cao mot lan").restored.startswith("mỗi quý")
    assert understanding.parse("Hang thang, hang tuan").restored == "Hằng tháng, hằng tuần"
    assert understanding.parse("bao cao hang ngay").restored.endswith("hằng ngày")
    # not a period phrase: left to the statistics
    assert understanding.parse("quy dinh moi").restored == "quy định mới"


def test_sample_corpus_restores_period_phrases(lexical_index_dir: Path) -> None:
    understanding = Searcher.open(lexical_index_dir).query_understanding
    assert understanding.parse("ke hoach nao bao cao hang quy ve SNV").restored == \
        "kế hoạch nào báo cáo hàng quý về SNV"
    assert understanding.parse("moi quy bao cao mot lan").restored.startswith("mỗi quý báo cáo")
    assert understanding.parse("moi nam mot lan").restored.startswith("mỗi năm")
