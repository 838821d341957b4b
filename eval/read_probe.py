"""Reads every file of one or more folders the way `tracuu index` does and prints what was read: header fields found
per folder (số ký hiệu, date, place, issuer, signer, trích yếu), failures with their reason, and reading speed.

    .venv/bin/python eval/read_probe.py ../shared/data/plans-dev [more folders] [--jobs 2] [--out probe.jsonl]
    .venv/bin/python eval/read_probe.py --raw-cache DIR ...   # keep each file's RawText (OCR included) in DIR and reuse
                                                               # it on the next run: only the stages after reading rerun

A field counts as found when the parser returned a value; a số ký hiệu counts only with its number part ("12/KH-UBND",
not the blank "/KH-UBND" of a draft), reported separately as "blank số".
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.errors import ReadError, UnsupportedFormat  # noqa: E402
from indexer.pipeline import normalise  # noqa: E402
from indexer.read.readers import read_file  # noqa: E402
from indexer.structure.parse import parse_structure  # noqa: E402

SKIP = {"README.md", "manifest.json"}
FIELDS = ("doc_number", "date", "place", "issuer", "signer", "title")


def _raw(path: Path, cache: Path | None):
    key = None
    if cache is not None:
        key = cache / (hashlib.sha256(path.read_bytes()).hexdigest()[:24] + ".pkl")
        if key.exists():
            return pickle.loads(key.read_bytes()), True
    raw = read_file(path)
    if key is not None:
        key.write_bytes(pickle.dumps(raw))
    return raw, False


def probe(args: tuple[str, str, str | None]) -> dict:
    path, folder, cache = Path(args[0]), args[1], (Path(args[2]) if args[2] else None)
    row: dict = {"folder": folder, "file": path.name}
    t0 = time.perf_counter()
    try:
        raw, cached = _raw(path, cache)
    except (ReadError, UnsupportedFormat) as exc:
        row.update(error=str(exc), seconds=round(time.perf_counter() - t0, 2))
        return row
    except Exception as exc:  # a crash is a finding too
        row.update(error=f"CRASH {type(exc).__name__}: {exc}", seconds=round(time.perf_counter() - t0, 2))
        return row
    read_s = time.perf_counter() - t0
    norm = normalise(raw)
    s = parse_structure(norm.text, marks=norm.marks)
    row.update(
        format=raw.format, encoding=raw.encoding, pages=len(raw.pages), ocr_pages=len(raw.ocr_pages),
        read_seconds=None if cached else round(read_s, 2),
        doc_type=s.doc_type, doc_number=s.doc_number, date=s.date, year=s.year, place=s.place,
        issuer="; ".join(s.issuers) or None, signer="; ".join(b.name for b in s.signatures) or None,
        title=s.title,
    )
    return row


def _found(row: dict, field: str) -> bool:
    value = row.get(field)
    if field == "doc_number":
        return bool(value) and not str(value).startswith("/")
    return bool(value)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--raw-cache")
    a = ap.parse_args()
    if a.raw_cache:
        Path(a.raw_cache).mkdir(parents=True, exist_ok=True)
    work = []
    for folder in a.folders:
        for f in sorted(Path(folder).rglob("*")):
            if f.is_file() and f.name not in SKIP and not f.name.startswith("PROVENANCE"):
                work.append((str(f), Path(folder).name, a.raw_cache))
    with ProcessPoolExecutor(a.jobs) as pool:
        rows = list(pool.map(probe, work))
    if a.out:
        Path(a.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    by = collections.defaultdict(list)
    for r in rows:
        by[r["folder"]].append(r)
    for folder, rs in by.items():
        ok = [r for r in rs if "error" not in r]
        counts = " ".join(f"{f}={sum(_found(r, f) for r in ok)}" for f in FIELDS)
        blank = sum(1 for r in ok if str(r.get("doc_number") or "").startswith("/"))
        print(f"{folder}: {len(rs)} files, {len(rs) - len(ok)} failed; {counts} (blank số {blank})")
        text_pdf = [r for r in ok if r["format"] == "pdf" and not r["ocr_pages"] and r["read_seconds"] is not None]
        ocr_pdf = [r for r in ok if r["ocr_pages"] and r["read_seconds"] is not None]
        for name, group in (("text PDF", text_pdf), ("OCR PDF", ocr_pdf)):
            pages, secs = sum(r["pages"] for r in group), sum(r["read_seconds"] for r in group)
            if secs:
                print(f"  {name}: {pages} pages in {secs:.1f} s = {pages / secs:.2f} pages/s")
        for r in rs:
            if "error" in r:
                print(f"  FAILED {r['file']}: {r['error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
