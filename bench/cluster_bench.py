"""Ingestion on a Ray cluster with the bundled model: 1 worker process against 2, passages/s side by side.

    PYTHONPATH=. python -m bench.cluster_bench [--files 16] [--group 32] [--corpus DIR ...] [--cluster ADDRESS]
                                               [--reps 1] [--local] [--json FILE]

Each run is a full `build_index(..., cluster=RayCluster(address, workers=N, threads=1))` into a fresh index folder
(no embedding cache): files read on the cluster's workers, passages embedded by N actors holding the bundled model
(ONNX int8, one thread each: OMP/MKL/onnxruntime pinned to 1 so two workers do not fight over the cores), the
index written by this process. Printed per run: wall time, passages/s of the whole ingestion and of the embedding
stage alone, and the ratio 2 workers / 1 worker; the load average (1 min) before and after each run says how busy
the machine was (the figures are only comparable on a quiet machine).

Without --cluster, a local cluster of two nodes with one CPU each is started for the run (tests/raycluster.py: free
ports, own temp dirs, stopped at the end). Default corpus: the first --files .docx files of shared/data/plans-dev
(16: 529 passages, about 1.5 min with one worker on a quiet core). --group sets the passages handed to a worker at
a time (indexer/build.py _EMBED_GROUP, 256 in the product, where an archive has hundreds of groups): with a few
hundred passages, 256-passage groups would leave one of two workers idle at the end, so the benchmark uses 32 in
both runs. --local adds the single-process build (no Ray) for reference.
Needs the bundled model (`tracuu model prepare`) and Ray (`pip install 'tracuu[cluster]'`).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRACUU_SHARED_DIR") or REPO.parent / "shared")


def _raycluster():
    spec = importlib.util.spec_from_file_location("raycluster", REPO / "tests" / "raycluster.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["raycluster"] = module
    spec.loader.exec_module(module)
    return module


def default_corpus(work: Path, count: int) -> Path:
    """A copy of the first `count` .docx files of shared/data/plans-dev (text documents: no OCR, the model is what
    is measured)."""
    source = SHARED / "data" / "plans-dev"
    files = sorted(source.glob("*.docx"))[:count]
    if not files:
        raise SystemExit(f"Không thấy tệp .docx trong {source}; chỉ định --corpus THƯ_MỤC")
    folder = work / "corpus"
    folder.mkdir()
    for path in files:
        shutil.copy(path, folder / path.name)
    return folder


def bundled_model() -> str:
    from indexer.embed.bundled import bundled_dir, has_onnx_int8

    folder = bundled_dir()
    if not has_onnx_int8(folder):
        raise SystemExit(f"Chưa có mô hình đóng gói ở {folder}: chạy tracuu model prepare trước")
    return str(folder)


def one_run(corpus: list[Path], index_dir: Path, model: str, cluster) -> dict:
    """One full build; wall time, passages, and when the embedding stage started and ended."""
    from indexer.build import build_index

    marks: dict[str, float] = {}

    def on_progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        marks.setdefault(f"{stage}_first", now)
        marks[f"{stage}_last"] = now

    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    report = build_index(corpus, index_dir, model=model, cluster=cluster, on_progress=on_progress)
    wall = time.perf_counter() - start
    embed_seconds = marks.get("embed_last", start) - marks.get("read_last", start)
    return {"passages": report.chunks, "embedded": report.embedded_chunks, "documents": report.documents,
            "seconds": round(wall, 2), "passages_per_s": round(report.chunks / wall, 1),
            "embed_seconds": round(embed_seconds, 2),
            "embed_passages_per_s": round(report.embedded_chunks / embed_seconds, 1) if embed_seconds > 0 else None,
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="*", type=Path, help="folders to index (default: plans-dev .docx)")
    parser.add_argument("--files", type=int, default=16, help="how many plans-dev .docx files (default corpus)")
    parser.add_argument("--group", type=int, default=32, help="passages per unit of embedding work")
    parser.add_argument("--cluster", help="an existing cluster's address (default: start a 2-node local one)")
    parser.add_argument("--reps", type=int, default=1, help="runs per worker count (alternating 1, 2, 1, 2…)")
    parser.add_argument("--local", action="store_true", help="also the single-process build, for reference")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)

    import indexer.build as build
    from indexer.cluster import RayCluster

    build._EMBED_GROUP = max(1, args.group)  # the same for every run, the single-process one included
    model = bundled_model()
    work = Path(tempfile.mkdtemp(prefix="trc-cbench-"))
    results: dict[str, list[dict]] = {"1": [], "2": [], "local": []}
    try:
        corpus = args.corpus or [default_corpus(work, args.files)]
        started = nullcontext(None) if args.cluster else _raycluster().local_cluster(2)
        with started as local:
            address = args.cluster or local.address
            with RayCluster(address, workers=2, threads=1) as warm:  # ship the code, start the workers once
                warm_dir = work / "warm"
                warm_dir.mkdir()
                for path in sorted(Path(corpus[0]).iterdir())[:2]:
                    shutil.copy(path, warm_dir / path.name)
                one_run([warm_dir], work / "warm-index", model, warm)
            for rep in range(args.reps):
                for workers in (1, 2):
                    with RayCluster(address, workers=workers, threads=1) as cluster:
                        figures = one_run(corpus, work / f"index-{workers}-{rep}", model, cluster)
                    figures["workers"] = cluster.workers
                    results[str(workers)].append(figures)
                    print(json.dumps(figures), flush=True)
        if args.local:
            figures = one_run(corpus, work / "index-local", model, None)
            results["local"].append(figures)
            print(json.dumps({"local": True, **figures}), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["group"] = build._EMBED_GROUP
    print(report(results, os.cpu_count() or 0))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def _best(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key)]
    return max(values) if values else None


def report(results: dict[str, list[dict]], cpus: int) -> str:
    """The side-by-side table (best run of each worker count) and the ratios."""
    one, two = results["1"], results["2"]
    lines = [f"Ingestion with the bundled model on a Ray cluster ({cpus} CPUs on this machine; best of "
             f"{len(one)} run(s) each; {results.get('group')} passages per unit of work)", "",
             "| | 1 worker | 2 workers | ratio |", "| --- | ---: | ---: | ---: |"]
    for label, key in (("passages/s, whole ingestion", "passages_per_s"),
                       ("passages/s, embedding stage", "embed_passages_per_s")):
        a, b = _best(one, key), _best(two, key)
        ratio = f"{b / a:.2f}×" if a and b else "—"
        lines.append(f"| {label} | {a} | {b} | {ratio} |")
    lines.append(f"| seconds (best) | {min(r['seconds'] for r in one)} | {min(r['seconds'] for r in two)} | |")
    lines.append(f"| passages | {one[0]['passages']} | {two[0]['passages']} | |")
    loads = [(r["load_before"], r["load_after"]) for r in one + two]
    lines.append("")
    lines.append("load average (1 min) before → after each run: " + ", ".join(f"{a}→{b}" for a, b in loads))
    if results["local"]:
        local = results["local"][0]
        lines.append(f"single process, no Ray (reference): {local['passages_per_s']} passages/s whole, "
                     f"{local['embed_passages_per_s']} passages/s embedding, {local['seconds']} s")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
