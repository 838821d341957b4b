"""Per-core rates for docs/SCALE.md: embedding with the bundled model and OCR with Tesseract, one core each.

    PYTHONPATH=. python -m bench.scale_rates [--index IDX] [--passages 64] [--scans FILE.pdf ...] [--pages 2]

Embedding: `--passages` real passages of the index IDX (read-only; context line + passage, as a build embeds them),
through the bundled model's ONNX int8 embedder with one thread. OCR: the first `--pages` pages of the scanned PDFs
(default: the scans of ../shared/data/plans-dev), rendered at 300 dpi and read by Tesseract with
OMP_THREAD_LIMIT=1, then again with Tesseract's default threads (as `tracuu index` runs it). Both print wall time and CPU time (this process for the embedder; this process + Tesseract
children for OCR): CPU seconds per item is the per-core cost, which a busy machine lengthens less than the wall time.
The load average is printed before and after.
"""
from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCANS = [REPO.parent / "shared" / "data" / "plans-dev" / name for name in (  # every page a scan (read_probe)
    "haiduong-scan_SCAN0097-QD-UBND-2011-scanned.pdf", "lamdong-vbai_03-BCDX-CAT-PC04.pdf", "lamdong-vbai_17026.pdf",
    "lamdong-vbai_3980-0001-1.pdf", "lamdong-vbai_493-TB.pdf", "lamdong-vbai_QD932.pdf")]


def _cpu(children: bool = False) -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    if children:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        total += kids.ru_utime + kids.ru_stime
    return total


def passages(index_dir: Path, count: int) -> list[str]:
    """`count` passages of the live generation, as the build embeds them (context line + passage)."""
    from indexer.model import indexed_text
    from indexer.store.generations import current_generation

    database = current_generation(index_dir) / "tracuu.sqlite"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT context, text FROM chunks ORDER BY rowid LIMIT ?", (count,)).fetchall()
    return [indexed_text(context, text) for context, text in rows]


def embedding_rate(texts: list[str]) -> dict:
    from indexer.embed.embedders import resolve_model
    from indexer.embed.onnx_embed import OnnxEmbedder

    spec = resolve_model(None)
    embedder = OnnxEmbedder.load(spec, threads=1)
    embedder.encode_passages(texts[:4], progress=False)  # session made, warm
    wall, cpu = time.perf_counter(), _cpu()
    embedder.encode_passages(texts, progress=False)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return {"model": spec.name, "passages": len(texts), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "passages_per_s": round(len(texts) / wall, 2), "passages_per_cpu_s": round(len(texts) / cpu, 2)}


def ocr_rate(scans: list[Path], pages: int, threads: int = 1) -> dict:
    """Tesseract with OMP_THREAD_LIMIT=`threads` (0: Tesseract's own default, as `tracuu index` runs it)."""
    import pypdfium2

    from indexer.read.ocr import ocr_pdf_pages

    if threads:
        os.environ["OMP_THREAD_LIMIT"] = str(threads)
    else:
        os.environ.pop("OMP_THREAD_LIMIT", None)
    done = 0
    wall, cpu = time.perf_counter(), _cpu(children=True)
    for path in scans:
        count = min(pages, len(pypdfium2.PdfDocument(str(path))))
        done += len(ocr_pdf_pages(path, list(range(1, count + 1))))
    wall, cpu = time.perf_counter() - wall, _cpu(children=True) - cpu
    return {"omp_thread_limit": threads or "default", "pages": done, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "seconds_per_page": round(wall / done, 2), "cpu_seconds_per_page": round(cpu / done, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_rates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/work/ev/idx-final"))
    parser.add_argument("--passages", type=int, default=64)
    parser.add_argument("--scans", type=Path, nargs="*", default=SCANS)
    parser.add_argument("--pages", type=int, default=2, help="pages per scanned PDF")
    args = parser.parse_args(argv)
    print(f"tải trung bình trước: {[round(x, 2) for x in os.getloadavg()]}", flush=True)
    if args.passages:
        print(f"nhúng (1 luồng): {embedding_rate(passages(args.index, args.passages))}", flush=True)
    if args.scans:
        for threads in (1, 0):
            print(f"OCR: {ocr_rate(args.scans, args.pages, threads)}", flush=True)
    print(f"tải trung bình sau: {[round(x, 2) for x in os.getloadavg()]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
