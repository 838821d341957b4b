"""Scanned PDF pages: rendered with pypdfium2 and read by the Tesseract CLI in Vietnamese, with a confidence per page."""
from __future__ import annotations

import csv
import io
import shutil
import os
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.errors import ReadError, UnsupportedFormat
from indexer.read.external import run_killable
from indexer.read.pdftext.quality import MIN_WORDS, text_quality

OCR_DPI = 300
OCR_LANGUAGE = "vie"
PAGE_TIMEOUT_S = 180.0
MIN_TEXT_LAYER = 20  # visible characters; fewer on a page with an image means a scan
MIN_IMAGE_COVER = 0.5  # share of the page an image covers for a page of few words to be a scan under a stamp
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
    """1-based numbers of the pages whose text layer is not the printed text and must be read by OCR.

    - a scan: an image and (almost) no text layer (< MIN_TEXT_LAYER visible characters);
    - a scan under a short text layer: fewer than `quality.MIN_WORDS` words (a "SAO Y" signature stamp, a
      stamped page number) on a page an image covers for at least `MIN_IMAGE_COVER` of its area;
    - a garbage text layer (`indexer.read.pdftext.quality`: a scanner's OCR without diacritics, mis-mapped
      glyphs), with or without an image: rendering shows what is printed.
    A short page of real text (a title page, "Trang hai") without an image is left alone. A page PDFium cannot
    load is left to its text layer.
    """
    import pypdfium2

    garbage, short = [], []
    for number, text in enumerate(texts, start=1):
        quality = text_quality(text)
        if quality.garbage:
            garbage.append(number)
        elif len("".join(text.split())) < MIN_TEXT_LAYER or quality.words < MIN_WORDS:
            short.append(number)
    if not garbage and not short:
        return []
    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError:
        return garbage
    try:
        found = list(garbage)
        for number in short:
            cover = _image_cover(document, number)
            visible = len("".join(texts[number - 1].split()))
            if cover > 0 and (visible < MIN_TEXT_LAYER or cover >= MIN_IMAGE_COVER):
                found.append(number)
        return sorted(found)
    finally:
        document.close()


def _image_cover(document, number: int) -> float:
    """Share of the page's area under its images, summed (a scan may come in strips), at most 1.0; 0.0 without an
    image, a tiny positive share for an image whose bounds PDFium cannot give."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    try:
        page = document[number - 1]
    except pypdfium2.PdfiumError:
        return 0.0
    try:
        width, height = page.get_size()
        cover = 0.0
        for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
            try:
                left, bottom, right, top = image.get_bounds()
            except pypdfium2.PdfiumError:
                cover += 1e-6
                continue
            cover += max(1e-6, (right - left) * (top - bottom) / max(width * height, 1.0))
        return min(cover, 1.0)
    finally:
        page.close()


def prefer_ocr(layer: str, ocr: str) -> bool:
    """Whether the OCR text of a page replaces its text layer: it reads more words of Vietnamese than the layer.

    A short layer (a stamp) gives way to an OCR text with more words; a garbage layer to an OCR text whose share
    of valid syllables is higher; a good layer of `MIN_WORDS` words or more is kept.
    """
    before, after = text_quality(layer), text_quality(ocr)
    if not ocr.strip():
        return False
    if before.words < MIN_WORDS:
        return after.words > before.words
    if before.garbage:
        return after.syllables > before.syllables
    return False


def ocr_pdf_pages(path: Path, page_numbers: list[int], dpi: int = OCR_DPI, language: str = OCR_LANGUAGE) -> list[OcrPage]:
    """Render the given 1-based pages of a PDF and read them with Tesseract; a page PDFium cannot load is skipped."""
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
        for number in page_numbers:
            try:
                page = document[number - 1]
                width, height = page.get_size()
                # A4 at 300 dpi is 8.7 Mpx; a giant page box must not become a giant bitmap.
                scale = min(dpi / 72, (MAX_RENDER_PIXELS / max(width * height, 1.0)) ** 0.5)
                image = page.render(scale=scale, grayscale=True).to_pil()
                page.close()
            except pypdfium2.PdfiumError:
                continue  # a page PDFium cannot load or render keeps its text layer; the others are read
            # The page goes to Tesseract through a pipe: no temporary file that Ctrl-C, SIGTERM or the budget's
            # SIGKILL could leave behind in /tmp.
            png = io.BytesIO()
            image.save(png, format="PNG", dpi=(dpi, dpi))
            text, confidence = _tesseract_tsv(binary, png.getvalue(), language)
            results.append(OcrPage(number, text, confidence))
    finally:
        document.close()
    return results


def ocr_image_file(image_path: Path, language: str = OCR_LANGUAGE) -> OcrPage:
    """Read one image file with Tesseract (page number 1)."""
    text, confidence = _tesseract_tsv(require_tesseract(language), Path(image_path), language)
    return OcrPage(1, text, confidence)


def tesseract_env() -> dict[str, str]:
    """The environment Tesseract runs in: one OpenMP thread per page unless OMP_THREAD_LIMIT is set.

    Pages are recognised one per file worker, workers run in parallel, and Tesseract's own threads then only fight
    them: measured on 10 scanned pages of plans-dev (bench/scale_rates.py), 1.83 CPU-s per page with one thread
    against 6.18 with its default threads. Tesseract's FAQ gives the same advice for parallel runs
    (https://tesseract-ocr.github.io/tessdoc/FAQ.html, "OMP_THREAD_LIMIT=1")."""
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    return env


def _tesseract_tsv(binary: str, image: Path | bytes, language: str) -> tuple[str, float]:
    """(text, mean confidence) of an image file, or of image bytes (PNG) fed on Tesseract's stdin."""
    source = "stdin" if isinstance(image, bytes) else str(image)
    command = [binary, source, "stdout", "-l", language, "--psm", "3", "tsv"]
    try:
        process = run_killable(command, PAGE_TIMEOUT_S, input=image if isinstance(image, bytes) else None,
                               env=tesseract_env())
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
