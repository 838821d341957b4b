"""The audit trail: every change to the archive, one JSON object per line in `<index>/audit.jsonl`.

The file sits beside the index generations (gen-NNNNNN/), which are the only things a build deletes, so it
survives rebuilds. It is only ever appended to (O_APPEND, under an exclusive lock, fsynced); nothing in tracuu
rewrites or truncates it. Fields of a line (AuditEntry): time (UTC, ISO 8601), who, via (password, token, oidc,
os, app), action (upload, remove, reindex, index), file (path inside the corpus, or None for a whole-archive
action), sha256 and bytes of that file, origin (client IP address, or "local"), outcome (ok, rejected, failed,
unchanged…) and detail (the Vietnamese message shown to the person).
"""
from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

from indexer.read.scan import file_sha256

AUDIT_FILE = "audit.jsonl"


@dataclass(frozen=True)
class AuditEntry:
    time: str
    who: str
    via: str
    action: str
    file: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    origin: str = "local"
    outcome: str = "ok"
    detail: str = ""


def now_utc() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file's bytes (read in 1 MiB blocks)."""
    return file_sha256(path)


def os_user() -> str:
    """The operating-system user running the command (who a CLI change is recorded as)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def audit_path(index_dir: Path) -> Path:
    return Path(index_dir) / AUDIT_FILE


def append(index_dir: Path, entry: AuditEntry) -> None:
    """Append one entry to `<index_dir>/audit.jsonl` (creating the folder and file, mode 0640, if needed).

    Raises OSError when the disk refuses the write: a change that cannot be recorded should not pass silently.
    """
    path = audit_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(entry), ensure_ascii=False, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def record(index_dir: Path, who: str, via: str, action: str, *, file: str | None = None, sha256: str | None = None,
           size: int | None = None, origin: str = "local", outcome: str = "ok", detail: str = "") -> AuditEntry:
    """Build an entry stamped now, append it, and return it."""
    entry = AuditEntry(now_utc(), who, via, action, file, sha256, size, origin or "local", outcome, detail)
    append(index_dir, entry)
    return entry


def read(index_dir: Path, limit: int | None = None) -> list[AuditEntry]:
    """The entries, newest first (at most `limit`); lines that are not valid entries (a torn last line) are skipped."""
    try:
        lines = audit_path(index_dir).read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    names = {f.name for f in fields(AuditEntry)}
    entries = []
    for line in reversed(lines):
        try:
            data = json.loads(line)
            entries.append(AuditEntry(**{k: v for k, v in data.items() if k in names}))
        except (ValueError, TypeError):
            continue
        if limit is not None and len(entries) >= limit:
            break
    return entries


ACTION_LABELS = {"upload": "tải lên", "remove": "gỡ bỏ", "reindex": "cập nhật chỉ mục", "index": "lập chỉ mục"}
OUTCOME_LABELS = {"ok": "thành công", "rejected": "bị từ chối", "failed": "lỗi", "unchanged": "không đổi"}


def rows(entries: list[AuditEntry]) -> list[dict[str, object]]:
    """Entries as table rows with Vietnamese column names (the app's audit view, `tracuu audit`)."""
    return [{
        "Thời điểm (UTC)": e.time.replace("T", " ").rstrip("Z"),
        "Người": e.who,
        "Việc": ACTION_LABELS.get(e.action, e.action),
        "Tệp": e.file or "—",
        "SHA-256": e.sha256 or "—",
        "Từ": e.origin,
        "Kết quả": OUTCOME_LABELS.get(e.outcome, e.outcome),
        "Chi tiết": e.detail,
    } for e in entries]
