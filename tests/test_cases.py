"""The handed cases (../shared/cases, copied to tests/data/<case>/ with their case.json), checked as a user would see
them: each folder is indexed on its own (lexical only, so no model is needed) and every expectation of its case.json
is checked — index_status per file, search_top1 (source, text_contains, text_not_contains, also for more_queries),
docs (doc_number, date, title_contains), doc_text_contains_exact, ask_plans_exact.

The key meanings are those of ../shared/cases/README.md. A case folder without case.json is not collected here.
"""
from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.store.reader import IndexReader
from search import Searcher
from search.answer.compose import ask

DATA = Path(__file__).resolve().parent / "data"
CASES = sorted(p.parent for p in DATA.glob("*/case.json"))


def _nfc(text: str) -> str:
    """NFC with runs of white space as one space: a phrase "contains" across a wrapped line as a reader sees it."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict, object]]:
    """case name → (index folder, case.json, BuildReport); built once per case on first use."""
    return {}


def _case_index(case: Path, built: dict, tmp_path_factory: pytest.TempPathFactory):
    if case.name not in built:
        spec = json.loads((case / "case.json").read_text(encoding="utf-8"))
        corpus = tmp_path_factory.mktemp(f"{case.name}-corpus")
        for name in spec["files"]:
            shutil.copy(case / name, corpus / name)
        index_dir = tmp_path_factory.mktemp(f"{case.name}-index")
        report = build_index([corpus], index_dir, dense=False)
        built[case.name] = (index_dir, spec, report)
    return built[case.name]


def _check_top1(searcher: Searcher, query: str, expected: dict) -> None:
    hits = searcher.search(query, k=3, mode="lexical")
    assert hits, f"no hit for {query!r}"
    top = hits[0]
    if "source" in expected:
        assert Path(top.source).name == expected["source"], f"{query!r}: top-1 is {top.source}"
    for phrase in expected.get("text_contains", []):
        assert _nfc(phrase) in _nfc(top.text), f"{query!r}: top-1 passage lacks {phrase!r}: {top.text[:300]!r}"
    for phrase in expected.get("text_not_contains", []):
        assert _nfc(phrase) not in _nfc(top.text), f"{query!r}: top-1 passage holds {phrase!r}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_handed_case(case: Path, built: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    index_dir, spec, report = _case_index(case, built, tmp_path_factory)
    expected = spec["expected"]
    status = {Path(o.source).name: o.status for o in report.files}
    for name, want in expected.get("index_status", {}).items():
        assert status.get(name) == want, f"{name}: {status.get(name)} ({[o.reason for o in report.files]})"
    searcher = Searcher.open(index_dir)
    if "search_top1" in expected:
        _check_top1(searcher, spec["query"], expected["search_top1"])
    for more in expected.get("more_queries", []):
        _check_top1(searcher, more["query"], more["search_top1"])
    reader = IndexReader.open(index_dir)
    docs = {Path(d.source).name: d for d in reader.documents()}
    for name, want in expected.get("docs", {}).items():
        doc = docs[name]
        if "doc_number" in want:
            assert doc.doc_number == want["doc_number"], f"{name}: số ký hiệu {doc.doc_number!r}"
        if "date" in want:
            assert doc.date == want["date"], f"{name}: date {doc.date!r}"
        if "title_contains" in want:
            assert _nfc(want["title_contains"]).lower() in _nfc(doc.title or "").lower(), f"{name}: {doc.title!r}"
    for name, phrases in expected.get("doc_text_contains_exact", {}).items():
        text = reader.document_text(docs[name].doc_id)
        for phrase in phrases:
            assert phrase in text, f"{name}: text lacks {phrase!r}"
    if "ask_plans_exact" in expected:
        answer = ask(searcher, spec["query"])
        got = sorted(Path(p.source).name for p in answer.plans)
        assert got == sorted(expected["ask_plans_exact"])
