"""Scanned PDF pages: rendered with pypdfium2 and read by the Tesseract CLI in Vietnamese, with a confidence per page."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.errors import ReadError, UnsupportedFormat
from indexer.read.external import run_killable

OCR_DPI = 300
OCR_LANGUAGE = "vie"
PAGE_TIMEOUT_S = 180.0
MIN_TEXT_LAYER = 20  # visible characters; fewer on a page with an image means a scan
MAX_RENDER_PIXELS = 40_000_000
MAX_OCR_PAGES = 500  # a longer scan is more likely a mistake than an archive item; refuse rather than stall
MISSING_TESSERACT = "PDF là bản quét, cần cài Tesseract (tesseract-ocr-vie) để nhận dạng chữ"


@dataclass(frozen=True)
class OcrPage:
    """The text Tesseract read on one page and its mean word confidence (0–100)."""

    number: int  # 1-based
    text: str
    confidence: float


class OcrUnavailable(UnsupportedFormat):
    """The page needs OCR but Tesseract (or its Vietnamese data) is not installed."""


def tesseract_binary() -> str | None:
    """Path of the `tesseract` command, or None."""
    return shutil.which("tesseract")


@lru_cache(maxsize=8)
def _languages(binary: str) -> frozenset[str]:
    try:
        done = subprocess.run([binary, "--list-langs"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    lines = done.stdout.decode("utf-8", errors="replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def require_tesseract(language: str = OCR_LANGUAGE) -> str:
    """The tesseract binary, checked to have `language`; OcrUnavailable with the fix otherwise."""
    binary = tesseract_binary()
    if binary is None or language not in _languages(binary):
        raise OcrUnavailable(MISSING_TESSERACT)
    return binary


def pages_to_ocr(path: Path, texts: list[str]) -> list[int]:
    """1-based numbers of the pages that are scans: an image and (almost) no text layer.

    A short page of real text (a title page, "Trang hai") has no image and is left alone; a scan
    with a stamped page number or a few OCR'd header words still counts as a scan.
    """
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    candidates = [n for n, text in enumerate(texts, start=1) if len("".join(text.split())) < MIN_TEXT_LAYER]
    if not candidates:
        return []
    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError:
        return []
    try:
        found = []
        for number in candidates:
            page = document[number - 1]
            images = page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4)
            if next(iter(images), None) is not None:
                found.append(number)
            page.close()
        return found
    finally:
        document.close()


def ocr_pdf_pages(path: Path, page_numbers: list[int], dpi: int = OCR_DPI, language: str = OCR_LANGUAGE) -> list[OcrPage]:
    """Render the given 1-based pages of a PDF and read them with Tesseract."""
    import pypdfium2

    binary = require_tesseract(language)
    if len(page_numbers) > MAX_OCR_PAGES:
        raise ReadError(f"PDF quét có {len(page_numbers)} trang, quá {MAX_OCR_PAGES} trang để nhận dạng chữ")
    results = []
    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as error:
        raise ReadError(f"không dựng được trang PDF để nhận dạng chữ ({error})") from error
    try:
        with tempfile.TemporaryDirectory(prefix="tracuu-ocr-") as tmp:
            for number in page_numbers:
                page = document[number - 1]
                width, height = page.get_size()
                # A4 at 300 dpi is 8.7 Mpx; a giant page box must not become a giant bitmap.
                scale = min(dpi / 72, (MAX_RENDER_PIXELS / max(width * height, 1.0)) ** 0.5)
                image = page.render(scale=scale, grayscale=True).to_pil()
                page.close()
                image_path = Path(tmp) / f"page-{number}.png"
                image.save(image_path, dpi=(dpi, dpi))
                text, confidence = _tesseract_tsv(binary, image_path, language)
                image_path.unlink()
                results.append(OcrPage(number, text, confidence))
    finally:
        document.close()
    return results


def ocr_image_file(image_path: Path, language: str = OCR_LANGUAGE) -> OcrPage:
    """Read one image file with Tesseract (page number 1)."""
    text, confidence = _tesseract_tsv(require_tesseract(language), Path(image_path), language)
    return OcrPage(1, text, confidence)


def _tesseract_tsv(binary: str, image_path: Path, language: str) -> tuple[str, float]:
    command = [binary, str(image_path), "stdout", "-l", language, "--psm", "3", "tsv"]
    try:
        process = run_killable(command, PAGE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ReadError(f"nhận dạng chữ một trang quá {PAGE_TIMEOUT_S:.0f} giây, bỏ qua tệp") from None
    if process.returncode != 0:
        detail = process.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise ReadError(f"Tesseract lỗi khi nhận dạng chữ ({detail[-1][:120] if detail else process.returncode})")
    return parse_tsv(process.stdout.decode("utf-8", errors="replace"))


def parse_tsv(tsv: str) -> tuple[str, float]:
    """Rebuild the page text from Tesseract TSV (words → lines → paragraphs) and the mean word confidence."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    paragraphs: list[tuple[int, int]] = []
    confidences: list[float] = []
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        word = (row.get("text") or "").strip()
        if row.get("level") != "5" or not word:
            continue
        block, par, line = int(row["block_num"]), int(row["par_num"]), int(row["line_num"])
        if (block, par) not in paragraphs:
            paragraphs.append((block, par))
        lines.setdefault((block, par, line), []).append(word)
        conf = float(row.get("conf") or -1)
        if conf >= 0:
            confidences.append(conf)
    out = []
    for block, par in paragraphs:
        par_lines = [" ".join(words) for (b, p, _), words in lines.items() if (b, p) == (block, par)]
        out.append("\n".join(par_lines))
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    return "\n\n".join(out), round(confidence, 1)
