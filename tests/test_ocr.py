"""Scanned PDFs: pages without a text layer are OCR'd with Tesseract (vie), marked with a confidence, and searchable."""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from indexer.errors import ReadError
from indexer.read.ocr import MISSING_TESSERACT, pages_to_ocr, parse_tsv
from indexer.read.readers import read_file

REPO = Path(__file__).resolve().parents[1]
SEED = next((REPO / "corpus").glob("002_*.txt"))
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
PHRASES = ["định kỳ hàng quý báo cáo UBND tỉnh", "trước ngày 10/7/2020"]


def render_scan(text: str, path: Path, dpi: int = 300) -> int:
    """Draw text onto A4 page images (DejaVu Serif 10 pt) and save them as an image-only PDF; returns the page count."""
    font = ImageFont.truetype(str(FONT), size=round(10 * dpi / 72))
    width, height, margin, line_height = round(8.27 * dpi), round(11.69 * dpi), round(0.8 * dpi), round(15 * dpi / 72)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and font.getlength(candidate) > width - 2 * margin:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    per_page = (height - 2 * margin) // line_height
    pages = []
    for first in range(0, len(lines), per_page):
        image = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(image)
        for k, line in enumerate(lines[first:first + per_page]):
            draw.text((margin, margin + k * line_height), line, font=font, fill=0)
        pages.append(image)
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=dpi)
    return len(pages)


def seed_as_printed() -> str:
    """The seed plan as it would be printed: markdown emphasis markers are not ink."""
    return re.sub(r"\*+", "", SEED.read_text(encoding="utf-8"))


def test_parse_tsv_rebuilds_lines_paragraphs_and_confidence():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t",
        "5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t96.5\tKẾ",
        "5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t93.5\tHOẠCH",
        "5\t1\t1\t1\t2\t1\t0\t0\t10\t10\t90\tSố:",
        "5\t1\t2\t1\t1\t1\t0\t0\t10\t10\t80\t80/KH-UBND",
        "5\t1\t2\t1\t1\t2\t0\t0\t10\t10\t-1\t ",
    ]
    text, confidence = parse_tsv("\n".join([header, *rows]))
    assert text == "KẾ HOẠCH\nSố:\n\n80/KH-UBND"
    assert confidence == 90.0


def test_scanned_pdf_without_tesseract_gives_a_clear_status(tmp_path, monkeypatch):
    path = tmp_path / "scan.pdf"
    render_scan("Kế hoạch số 80/KH-UBND", path, dpi=100)
    (tmp_path / "empty-bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ReadError, match=re.escape(MISSING_TESSERACT)):
        read_file(path)


def test_only_image_pages_with_no_text_are_ocr_candidates(tmp_path):
    import pypdf

    scan = tmp_path / "scan.pdf"
    render_scan("Trang quét", scan, dpi=72)
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)  # no text, no image: nothing to read
    writer.append(str(scan))
    mixed = tmp_path / "mixed.pdf"
    with mixed.open("wb") as handle:
        writer.write(handle)
    assert pages_to_ocr(mixed, ["", ""]) == [2]
    body = "Ủy ban nhân dân tỉnh giao các sở, ban, ngành tổ chức thực hiện kế hoạch này. " * 4
    assert pages_to_ocr(mixed, ["", body]) == []  # a real text layer over the image is kept
    # a signature stamp's few words over a full-page scan do not make the page a text page
    assert pages_to_ocr(mixed, ["", "SAO Y; CÔNG AN TỈNH LÂM ĐỒNG; 06/01/2026; 16:42:26; +07:00"]) == [2]
    # a short text page without an image is not a scan
    assert pages_to_ocr(mixed, ["SAO Y; CÔNG AN TỈNH LÂM ĐỒNG; 06/01/2026", ""]) == [2]


@pytest.mark.slow
def test_image_only_seed_plan_is_read_indexed_and_found(tmp_path):
    from indexer.build import build_index
    from search import Searcher

    corpus = tmp_path / "scans"
    corpus.mkdir()
    n_pages = render_scan(seed_as_printed(), corpus / "ke-hoach-80-scan.pdf")
    assert n_pages >= 4

    raw = read_file(corpus / "ke-hoach-80-scan.pdf")
    assert sorted(raw.ocr_pages) == list(range(1, n_pages + 1))
    assert all(60 <= confidence <= 100 for confidence in raw.ocr_pages.values())
    ocr_text = " ".join(" ".join(raw.pages).split())
    for phrase in PHRASES:
        assert phrase in ocr_text
    truth = " ".join(seed_as_printed().split())
    accuracy = difflib.SequenceMatcher(None, truth, ocr_text, autojunk=False).ratio()
    print(f"OCR character accuracy {accuracy:.4f}, confidences {raw.ocr_pages}")
    assert accuracy >= 0.97

    report = build_index([corpus], tmp_path / "index", dense=False)
    assert [f.status for f in report.files] == ["indexed"]
    searcher = Searcher.open(tmp_path / "index")
    for phrase in PHRASES:
        hits = searcher.search(phrase, k=3, mode="lexical")
        assert hits and hits[0].source == "ke-hoach-80-scan.pdf"
        assert phrase in " ".join(hits[0].text.split())
        assert hits[0].page is not None
