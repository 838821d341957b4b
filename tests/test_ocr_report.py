"""OCR'd pages of low confidence reported where a user lists the archive (`tracuu docs`, text and JSON)."""
from __future__ import annotations

import json

import pytest

import search.ocr_note as ocr_note_module
from indexer.model import PageSpan
from search.cli import main
from search.ocr_note import LOW_CONFIDENCE, low_confidence_note, low_confidence_pages
from test_ocr_note import scan_corpus, scan_index  # noqa: F401 - module fixtures: a one-page scan beside a text plan


def test_low_confidence_pages_skip_text_layers_blank_pages_and_good_pages():
    pages = [
        PageSpan(1, 0, 100, None),  # text layer
        PageSpan(2, 100, 200, 93.0),  # good OCR
        PageSpan(3, 200, 300, 41.5),  # weak OCR
        PageSpan(4, 300, 300, 0.0),  # blank back side: nothing to check
        PageSpan(5, 300, 400, LOW_CONFIDENCE - 0.1),
    ]
    assert low_confidence_pages(pages) == [(3, 41.5), (5, LOW_CONFIDENCE - 0.1)]
    assert low_confidence_note(pages) == "OCR độ tin cậy thấp: trang 3 (42%), trang 5 (75%) — nên đối chiếu bản gốc"
    assert low_confidence_note(pages[:2]) == ""


@pytest.mark.slow
def test_docs_lists_weak_ocr_pages(scan_index, capsys, monkeypatch):  # noqa: F811
    args = ["docs", "--index", str(scan_index)]
    assert main(args) == 0
    assert "OCR độ tin cậy thấp" not in capsys.readouterr().out  # the clean scan reads well
    # Every OCR'd page counts as weak: the real page and its stored confidence must show up, the text plan must not.
    monkeypatch.setattr(ocr_note_module, "LOW_CONFIDENCE", 101.0)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count("OCR độ tin cậy thấp: trang 1 (") == 1
    assert main([*args, "--json"]) == 0
    docs = {d["source"]: d for d in json.loads(capsys.readouterr().out)}
    [weak] = docs["ke-hoach-80-scan.pdf"]["ocr_low_confidence"]
    assert weak["page"] == 1 and 60 <= weak["confidence"] <= 100
    assert all(not d["ocr_low_confidence"] for source, d in docs.items() if source != "ke-hoach-80-scan.pdf")
