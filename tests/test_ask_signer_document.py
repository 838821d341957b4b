"""A "who signed" answer names the signer of the document the question points at (the best-ranked passage's
document), or says that document's signer was not read — never another document's signer."""
from __future__ import annotations

from pathlib import Path

import pytest

from search.answer.compose import ask
from search.retrieve.searcher import Searcher

SCAN = """ỦY BAN NHÂN DÂN TỈNH NINH BÌNH
Về việc phê chuẩn kết quả bầu cử chức vụ Chủ tịch Ủy ban nhân dân huyện Yên Khánh nhiệm kỳ 2021 - 2026
Điều 1. Phê chuẩn kết quả bầu cử chức vụ Chủ tịch Ủy ban nhân dân huyện Yên Khánh đối với ông Trần Văn Hải.
Điều 2. Chủ tịch Ủy ban nhân dân huyện Yên Khánh chịu trách nhiệm thi hành quyết định này.
LQ_VP7_NV.2024 ~~ ## ..
"""

SIGNED = """ỦY BAN NHÂN DÂN HUYỆN KIM SƠN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 12/QĐ-UBND
Kim Sơn, ngày 5 tháng 3 năm 2024
QUYẾT ĐỊNH
Về việc ban hành quy chế làm việc của Ủy ban nhân dân huyện
Điều 1. Ban hành quy chế làm việc của Ủy ban nhân dân huyện Kim Sơn.
Điều 2. Quyết định có hiệu lực kể từ ngày ký.
Nơi nhận:
- Như Điều 2;
- Lưu: VT.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Đinh Văn Bình
"""


@pytest.fixture(scope="module")
def searcher(tmp_path_factory) -> Searcher:
    from indexer.build import build_index

    folder = tmp_path_factory.mktemp("signer-docs")
    (folder / "scan-yen-khanh.txt").write_text(SCAN, encoding="utf-8")
    (folder / "qd-kim-son.txt").write_text(SIGNED, encoding="utf-8")
    index_dir = folder.parent / (folder.name + "-index")
    build_index([folder], index_dir, dense=False)
    return Searcher.open(index_dir)


def test_best_document_without_signer_says_so(searcher):
    assert Path(searcher.search("phê chuẩn Chủ tịch Ủy ban nhân dân huyện Yên Khánh", k=1)[0].source).name \
        == "scan-yen-khanh.txt"
    answer = ask(searcher, "Ai ký quyết định phê chuẩn Chủ tịch UBND huyện Yên Khánh?")
    assert "Đinh Văn Bình" not in answer.answer
    assert answer.answer.startswith("Không đọc được người ký")
    assert [Path(p.source).name for p in answer.plans] == ["scan-yen-khanh.txt"]


def test_best_document_with_signer_names_it(searcher):
    answer = ask(searcher, "Ai ký quyết định ban hành quy chế làm việc của Ủy ban nhân dân huyện Kim Sơn?")
    assert "12/QĐ-UBND (Kim Sơn, 5/3/2024) do Đinh Văn Bình ký." in answer.answer
    assert "12/QĐ-UBND" in answer.answer
