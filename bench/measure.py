"""Small measuring helpers shared by the benchmarks: latency percentiles, RSS, sizes on disk, thread pinning."""
from __future__ import annotations

import math
import os
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Sequence

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def pin_threads(n: int) -> None:
    """Limit every thread pool we know of to n threads; env vars only act before the libraries load, so set both."""
    for var in THREAD_VARS:
        os.environ[var] = str(n)
    if "faiss" in sys.modules or _importable("faiss"):
        import faiss

        faiss.omp_set_num_threads(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/mean in ms and QPS of sequential single queries."""
    if not seconds:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "mean_ms": 0.0, "qps": 0.0}
    ordered = sorted(seconds)

    def pct(p: float) -> float:
        # nearest-rank percentile: the smallest value with at least p% of the measurements at or below it
        idx = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
        return ordered[idx]

    total = sum(seconds)
    return {
        "p50_ms": round(pct(50) * 1000, 3),
        "p95_ms": round(pct(95) * 1000, 3),
        "mean_ms": round(total / len(seconds) * 1000, 3),
        "qps": round(len(seconds) / total, 1) if total > 0 else 0.0,
    }


def rss_mb() -> float:
    """Current resident set size of this process in MiB."""
    try:
        with open("/proc/self/statm", encoding="utf-8") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far in MiB.

    VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so a child started by a big parent inherits its peak.
    """
    try:
        with open("/proc/self/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakSampler:
    """Samples RSS every `interval` seconds in a thread: the peak of one phase, which ru_maxrss cannot isolate."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(self.interval)

    def __enter__(self) -> "PeakSampler":
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def dir_size(path: Path) -> int:
    """Bytes of all files under path (apparent size)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
