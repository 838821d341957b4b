"""OCR provenance beside citations: the per-page confidence in search/ask output (human and --json) and the UI."""
from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from indexer.model import PageSpan
from search.answer.compose import Answer, Citation, PlanAnswer
from search.cli import main
from search.ocr_note import ocr_confidence, ocr_note, with_ocr_confidence
from search.ui_support import citation_label
from test_ocr import render_scan, seed_as_printed

REPO = Path(__file__).resolve().parents[1]
QUARTERLY = "định kỳ hàng quý báo cáo UBND tỉnh"
QUESTION = "Kế hoạch nào yêu cầu báo cáo hàng quý về UBND tỉnh?"
NOTE_START = "chữ nhận dạng (OCR), độ tin cậy "


class PagesReader:
    """A stand-in for IndexReader.pages() that counts how often each document's pages are read."""

    def __init__(self, pages: dict[str, list[PageSpan]]) -> None:
        self._pages = pages
        self.reads: dict[str, int] = {}

    def pages(self, doc_id: str) -> list[PageSpan]:
        self.reads[doc_id] = self.reads.get(doc_id, 0) + 1
        return self._pages.get(doc_id, [])


def _reader() -> PagesReader:
    return PagesReader({
        "scan": [PageSpan(1, 0, 100, 94.4), PageSpan(2, 100, 180, None), PageSpan(3, 180, 300, 71.5)],
        "text": [PageSpan(1, 0, 500)],
    })


@pytest.mark.parametrize("confidence, note", [
    (94.4, "chữ nhận dạng (OCR), độ tin cậy 94%"),
    (71.6, "chữ nhận dạng (OCR), độ tin cậy 72%"),
    (100.0, "chữ nhận dạng (OCR), độ tin cậy 100%"),
    (0.0, "chữ nhận dạng (OCR), độ tin cậy 0%"),
    (None, ""),
])
def test_ocr_note_wording(confidence, note):
    assert ocr_note(confidence) == note


def test_ocr_confidence_per_page_read_once_per_document():
    reader = _reader()
    assert ocr_confidence(reader, "scan", 1) == 94.4
    assert ocr_confidence(reader, "scan", 2) is None  # this page had a text layer
    assert ocr_confidence(reader, "scan", 3) == 71.5
    assert ocr_confidence(reader, "scan", 4) is None
    assert ocr_confidence(reader, "text", 1) is None
    assert ocr_confidence(reader, "missing", 1) is None
    assert ocr_confidence(reader, "scan", None) is None
    assert reader.reads == {"scan": 1, "text": 1, "missing": 1}
    # Another reader (another index generation) reads its own pages.
    other = _reader()
    assert ocr_confidence(other, "scan", 1) == 94.4 and other.reads == {"scan": 1}


def test_answer_citations_get_their_page_confidence():
    def plan(doc_id: str, pages: list[int | None]) -> PlanAnswer:
        return PlanAnswer(doc_id, f"{doc_id}.pdf", None, None, None, None,
                          [Citation("II.1", page, f"trích {page}") for page in pages])

    answer = Answer("câu hỏi", "trả lời", [plan("scan", [1, 2, None])], [plan("text", [1])])
    filled = with_ocr_confidence(_reader(), answer)
    assert [c.ocr_confidence for c in filled.plans[0].citations] == [94.4, None, None]
    assert [c.ocr_confidence for c in filled.near_matches[0].citations] == [None]
    assert [(c.section, c.page, c.quote) for c in filled.plans[0].citations] == [
        (c.section, c.page, c.quote) for c in answer.plans[0].citations]
    assert (filled.question, filled.answer) == (answer.question, answer.answer)


def test_citation_label_shows_the_ocr_note_only_for_ocr_pages():
    assert citation_label("II.9", 3, ocr_confidence=88.2) == "Mục II.9 · trang 3 · chữ nhận dạng (OCR), độ tin cậy 88%"
    assert citation_label("II.9", 3) == "Mục II.9 · trang 3"
    assert citation_label("", None, "Nhiệm vụ", 60.0) == "Nhiệm vụ · chữ nhận dạng (OCR), độ tin cậy 60%"


def test_text_documents_have_no_ocr_confidence(lexical_index_dir, capsys):
    args = ["--index", str(lexical_index_dir)]
    assert main(["search", QUARTERLY, *args, "--mode", "lexical", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits and all("ocr_confidence" in h and h["ocr_confidence"] is None for h in hits)
    assert main(["search", QUARTERLY, *args, "--mode", "lexical"]) == 0
    assert "OCR" not in capsys.readouterr().out
    assert main(["ask", QUESTION, *args, "--json"]) == 0
    plans = json.loads(capsys.readouterr().out)["plans"]
    citations = [c for p in plans for c in p["citations"]]
    assert citations and all(c["ocr_confidence"] is None for c in citations)


# ---- a scanned plan, end to end --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scan_corpus(tmp_path_factory) -> Path:
    """A one-page image-only PDF (the header and two duties of plan 80/KH-UBND) beside a seed plan as text."""
    corpus = tmp_path_factory.mktemp("ocr-note") / "corpus"
    corpus.mkdir()
    lines = seed_as_printed().splitlines()
    excerpt = [line for line in lines[:12] if line.strip()]
    excerpt += [line for line in lines if QUARTERLY in line or "trước ngày 10/7/2020" in line]
    assert render_scan("\n".join(excerpt), corpus / "ke-hoach-80-scan.pdf") == 1
    seed = next((REPO / "corpus").glob("000_*.txt"))
    (corpus / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def scan_index(scan_corpus) -> Path:
    from indexer.build import build_index

    index_dir = scan_corpus.parent / "index"
    report = build_index([scan_corpus], index_dir, dense=False)
    assert sorted(f.status for f in report.files) == ["indexed", "indexed"]
    return index_dir


def _stored_confidence(index_dir: Path, source: str, page: int) -> float | None:
    from indexer.store.reader import IndexReader

    reader = IndexReader.open(index_dir)
    try:
        [doc] = [d for d in reader.documents() if d.source == source]
        return next(p.ocr_confidence for p in reader.pages(doc.doc_id) if p.number == page)
    finally:
        reader.close()


@pytest.mark.slow
def test_search_and_ask_show_the_ocr_confidence_of_a_scanned_page(scan_index, capsys):
    args = ["--index", str(scan_index)]
    assert main(["search", QUARTERLY, *args, "-k", "5", "--mode", "lexical", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    scanned = [h for h in hits if h["source"] == "ke-hoach-80-scan.pdf"]
    typed = [h for h in hits if h["source"] != "ke-hoach-80-scan.pdf"]
    assert scanned and typed and hits[0]["source"] == "ke-hoach-80-scan.pdf"
    for hit in scanned:
        assert hit["page"] == 1 and 0 < hit["ocr_confidence"] <= 100
        assert hit["ocr_confidence"] == _stored_confidence(scan_index, hit["source"], 1)
    assert all(h["ocr_confidence"] is None for h in typed)

    assert main(["search", QUARTERLY, *args, "-k", "5", "--mode", "lexical"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = f"ke-hoach-80-scan.pdf · trang 1 · {ocr_note(scanned[0]['ocr_confidence'])}"
    assert expected in [line.strip() for line in lines]
    assert sum("OCR" in line for line in lines) == len(scanned)

    assert main(["ask", QUESTION, *args, "--json"]) == 0
    [plan] = json.loads(capsys.readouterr().out)["plans"]
    assert plan["source"] == "ke-hoach-80-scan.pdf"
    [citation] = plan["citations"]
    assert QUARTERLY in citation["quote"] and citation["page"] == 1
    assert citation["ocr_confidence"] == scanned[0]["ocr_confidence"]
    assert main(["ask", QUESTION, *args]) == 0
    out = capsys.readouterr().out
    assert f"(trang 1, {ocr_note(citation['ocr_confidence'])})" in out


@pytest.mark.slow
def test_ui_shows_the_ocr_note_beside_quotes(monkeypatch, scan_index, scan_corpus):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TRACUU_INDEX", str(scan_index))
    monkeypatch.setenv("TRACUU_CORPUS", str(scan_corpus))
    monkeypatch.delenv("TRACUU_MODEL", raising=False)
    monkeypatch.delenv("TRACUU_LLM_URL", raising=False)
    at = AppTest.from_file(str(REPO / "ui_streamlit.py"), default_timeout=120)
    at.run()
    at.text_input(key="question").input(QUESTION).run()
    assert not at.exception, [e.value for e in at.exception]
    confidence = _stored_confidence(scan_index, "ke-hoach-80-scan.pdf", 1)
    labels = [html.unescape(m.value) for m in at.markdown if 'class="tracuu-meta"' in m.value]
    noted = [label for label in labels if ocr_note(confidence) in label]
    # The answer's quote and the scanned passage among the related passages; the typed plan's passages carry none.
    assert len(noted) >= 2
    assert all("trang 1" in label for label in noted)
    assert sum(NOTE_START in label for label in labels) == len(noted)
