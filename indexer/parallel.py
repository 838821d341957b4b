"""Files through the pipeline on several cores: reading, structure and duties of one file do not depend on another.

Results come back in the order of the files given, so a parallel build writes exactly what a sequential one writes
(tests/test_parallel_build.py compares documents, chunks, duties and the lexical arrays).
"""
from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Iterable, Iterator

from indexer.errors import ReadError, UnsupportedFormat
from indexer.model import Document, FileOutcome

JOBS_ENV = "TRACUU_JOBS"  # worker processes for reading files; 1 = in this process
_IN_FLIGHT = 4  # files submitted per worker ahead of the one being written (bounds memory)
MIN_FILES = 16  # fewer files are read in this process: starting the workers would cost more than it saves


def default_jobs() -> int:
    """$TRACUU_JOBS if set (≥ 1), else the CPUs this process may use, at most 8."""
    raw = os.environ.get(JOBS_ENV, "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            pass
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(8, cpus))


def process_found(f, max_bytes: int | None, seconds: float | None = None,
                  memory_bytes: int | None = None) -> Document | FileOutcome:
    """One discovered file (indexer.read.scan.FoundFile) → its Document, or the FileOutcome saying why not.

    With a budget (seconds of wall time, bytes of extra address space; None = no limit) the file is processed in a
    forked child (indexer.read.external.run_budgeted) and a file over budget is "failed" with the reason."""
    from indexer.pipeline import preload, process_file_bounded
    from indexer.read.external import BudgetExceeded, run_budgeted
    from indexer.structure.chunking import ChunkingParams

    preload()
    try:
        doc = run_budgeted(process_file_bounded, (f.path, f.root, ChunkingParams(), max_bytes), seconds, memory_bytes)
    except BudgetExceeded as error:
        return FileOutcome(source=f.source, status="failed", reason=str(error))
    except UnsupportedFormat as error:
        return FileOutcome(source=f.source, status="skipped", reason=str(error))
    except ReadError as error:
        return FileOutcome(source=f.source, status="failed", reason=str(error))
    except Exception as error:  # noqa: BLE001 - one unparseable file must not stop the archive
        return FileOutcome(source=f.source, status="failed",
                           reason=f"Lỗi khi phân tích tệp ({type(error).__name__}: {error})")
    if not doc.text.strip():
        return FileOutcome(source=f.source, status="skipped", reason="Tệp không có chữ (rỗng hoặc chỉ có hình ảnh).",
                           encoding=doc.encoding)
    doc.source = f.source
    return doc


def process_files(files: Iterable, max_bytes: int | None, jobs: int | None = None, seconds: float | None = None,
                  memory_bytes: int | None = None) -> Iterator[Document | FileOutcome]:
    """process_found of each file (with its budget), in the order given; `jobs` worker processes (default:
    default_jobs()).

    With one job, or fewer than MIN_FILES files, everything runs in this process. A worker that dies (killed, out of memory) makes
    its file "failed" with the reason; the other files carry on.
    """
    files = list(files)
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if jobs == 1 or len(files) < MIN_FILES:
        for f in files:
            yield process_found(f, max_bytes, seconds, memory_bytes)
        return
    pending: deque[tuple[object, Future]] = deque()
    queue = iter(files)
    with ProcessPoolExecutor(max_workers=min(jobs, len(files))) as pool:
        for f in queue:
            pending.append((f, _submit(pool, f, max_bytes, seconds, memory_bytes)))
            if len(pending) >= jobs * _IN_FLIGHT:
                break
        while pending:
            f, future = pending.popleft()
            nxt = next(queue, None)
            if nxt is not None:
                pending.append((nxt, _submit(pool, nxt, max_bytes, seconds, memory_bytes)))
            try:
                yield future.result()
            except Exception as error:  # noqa: BLE001 - BrokenProcessPool and friends: report, do not stop
                yield FileOutcome(source=f.source, status="failed",
                                  reason=f"Lỗi khi phân tích tệp ({type(error).__name__}: {error})")


def _submit(pool: ProcessPoolExecutor, f, max_bytes: int | None, seconds: float | None,
            memory_bytes: int | None) -> Future:
    try:
        return pool.submit(process_found, f, max_bytes, seconds, memory_bytes)
    except Exception:  # noqa: BLE001 - a broken pool: the remaining files are read here, one after the other
        done: Future = Future()
        done.set_result(process_found(f, max_bytes, seconds, memory_bytes))
        return done
