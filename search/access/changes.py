"""Changes to the archive, each checked against the limits and written to the audit trail: uploads, removals,
re-indexing from the app, and `tracuu index` runs. The index build itself is injected (indexer.build_index)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

from indexer.errors import TracuuError
from search.access import audit
from search.access.limits import WriteLimits, WriteRefused, check_upload
from search.access.users import Identity
from search.ui_support import STATUS_LABELS, UploadRejected, ingest_uploads

# build statuses → audit outcomes (anything else is recorded as it is: duplicate, skipped, unchanged)
_OUTCOME = {"indexed": "ok", "updated": "ok", "renamed": "ok", "removed": "ok", "rejected": "rejected",
            "failed": "failed"}
_CHANGED = ("indexed", "updated", "renamed", "removed")


def upload(identity: Identity, origin: str, files: Sequence[tuple[str, bytes]], corpus_dir: Path, index_dir: Path,
           limits: WriteLimits, build: Callable[..., object], disk_usage=None, **build_kwargs) -> list:
    """Check the limits, store and index the files (search.ui_support.ingest_uploads), record one audit entry per
    file (its sha256 from the uploaded bytes) and return the UploadOutcomes. Raises WriteRefused (nothing stored,
    one "rejected" entry per file recorded) or the build's TracuuError (recorded as "failed")."""
    digests = [audit.sha256_bytes(data) for _name, data in files]

    def log(name: str, digest: str, size: int, outcome: str, detail: str) -> None:
        audit.record(index_dir, identity.name, identity.via, "upload", file=name, sha256=digest, size=size,
                     origin=origin, outcome=outcome, detail=detail)

    try:
        check_upload(files, corpus_dir, index_dir, limits, **({"disk_usage": disk_usage} if disk_usage else {}))
        outcomes = ingest_uploads(list(files), corpus_dir, index_dir, limits.max_file_bytes, build, **build_kwargs)
    except (WriteRefused, UploadRejected) as error:
        for (name, data), digest in zip(files, digests):
            log(name, digest, len(data), "rejected", str(error))
        raise
    except TracuuError as error:
        for (name, data), digest in zip(files, digests):
            log(name, digest, len(data), "failed", str(error))
        raise
    for outcome, (name, data), digest in zip(outcomes, files, digests):
        log(outcome.source or name, digest, len(data), _OUTCOME.get(outcome.status, outcome.status), outcome.message)
    return outcomes


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def remove(identity: Identity, origin: str, source: str, corpus_dir: Path, index_dir: Path,
           build: Callable[..., object], **build_kwargs) -> object:
    """Delete the corpus file `source` (a path inside corpus_dir, as the index names it), rebuild the index and
    record the removal with the file's sha256. Raises WriteRefused for a path outside the corpus or a missing file;
    returns the build's report."""
    corpus_dir = Path(corpus_dir)
    path = corpus_dir / source
    if not _inside(path, corpus_dir) or path.is_symlink() or not path.is_file():
        audit.record(index_dir, identity.name, identity.via, "remove", file=source, origin=origin,
                     outcome="rejected", detail="Không có tệp này trong kho văn bản.")
        raise WriteRefused(f"Không có tệp {source} trong kho văn bản {corpus_dir}.")
    digest, size = audit.sha256_file(path), path.stat().st_size
    path.unlink()
    try:
        report = build([corpus_dir], index_dir, **build_kwargs)
    except TracuuError as error:
        audit.record(index_dir, identity.name, identity.via, "remove", file=source, sha256=digest, size=size,
                     origin=origin, outcome="failed", detail=f"Đã xóa tệp nhưng chưa lập lại chỉ mục: {error}")
        raise
    audit.record(index_dir, identity.name, identity.via, "remove", file=source, sha256=digest, size=size,
                 origin=origin, outcome="ok", detail="đã gỡ khỏi kho và chỉ mục")
    return report


def _summary(report) -> str:
    counts: dict[str, int] = {}
    for f in getattr(report, "files", []):
        counts[f.status] = counts.get(f.status, 0) + 1
    parts = [f"{n} {STATUS_LABELS.get(s, s)}" for s, n in sorted(counts.items())]
    return f"{getattr(report, 'documents', 0)} văn bản, {getattr(report, 'chunks', 0)} đoạn" + (
        f" ({', '.join(parts)})" if parts else "")


def record_build(identity: Identity, origin: str, action: str, index_dir: Path, roots: Sequence[Path],
                 report=None, error: BaseException | None = None) -> None:
    """Record an index build ("reindex" from the app, "index" from the CLI): one entry per added, changed or
    renamed or removed file (sha256 as the build reports it — removed: as last indexed —, else read from the file
    when it is still there) and one summary entry for the run."""
    index_dir = Path(index_dir)
    if error is not None or report is None:
        audit.record(index_dir, identity.name, identity.via, action, origin=origin, outcome="failed",
                     detail=str(error) if error else "")
        return
    # sources are relative to one root, as indexer.read.scan.discover names them
    bases = {str(p if p.is_dir() else p.parent) for p in (Path(r).resolve() for r in roots)}
    root = Path(bases.pop() if len(bases) == 1 else os.path.commonpath(sorted(bases))) if bases else None
    for f in report.files:
        if f.status not in _CHANGED:
            continue
        path = root / f.source if root is not None else None
        digest, size = getattr(f, "sha256", None), None
        if f.status != "removed" and path is not None and path.is_file():
            digest, size = digest or audit.sha256_file(path), path.stat().st_size
        detail = STATUS_LABELS.get(f.status, f.status) + (f" ({f.reason})" if f.status == "renamed" and f.reason else "")
        audit.record(index_dir, identity.name, identity.via, action, file=f.source, sha256=digest, size=size,
                     origin=origin, outcome="ok", detail=detail)
    changed = any(f.status in _CHANGED for f in report.files)
    audit.record(index_dir, identity.name, identity.via, action, origin=origin,
                 outcome="ok" if changed else "unchanged", detail=_summary(report))
