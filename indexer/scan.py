"""Finding the corpus files and fingerprinting them (size + mtime first, SHA-256 when those differ)."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from indexer.errors import TracuuError
from indexer.model import FileOutcome

# Files no reader should ever see: OS metadata and Office's "~$name.docx" lock files.
_JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})


class CorpusMissing(TracuuError):
    """A corpus path given to the build does not exist."""


@dataclass(frozen=True)
class FoundFile:
    """A file to index: absolute path, its `source` (relative to the root it was found under) and fingerprint."""

    path: Path
    root: Path
    source: str
    size: int
    mtime_ns: int


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_junk(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$") or name.lower() in _JUNK_NAMES


def _walk(root: Path) -> Iterable[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _is_junk(d))
        for name in sorted(files):
            if not _is_junk(name):
                yield Path(folder) / name


def discover(paths: Sequence[Path | str]) -> tuple[list[FoundFile], list[FileOutcome]]:
    """Every file under the given folders (and the given files), sorted by source.

    A folder is its own root (sources are relative to it); a single file's source is its name. When two
    files end up with the same source, the later one is reported as skipped rather than silently merged.
    """
    found: dict[str, FoundFile] = {}
    clashes: list[FileOutcome] = []
    for raw in paths:
        given = Path(raw).expanduser()
        if not given.exists():
            raise CorpusMissing(f"Không tìm thấy {given} — hãy kiểm tra đường dẫn thư mục/tệp văn bản.")
        root = given.resolve() if given.is_dir() else given.resolve().parent
        candidates = _walk(root) if given.is_dir() else [given.resolve()]
        for path in candidates:
            try:
                stat = path.stat()
            except OSError as error:
                clashes.append(FileOutcome(source=path.name, status="failed", reason=f"Không đọc được tệp: {error.strerror}"))
                continue
            if not path.is_file():
                continue
            source = path.relative_to(root).as_posix()
            if source in found:
                if found[source].path != path:
                    clashes.append(FileOutcome(
                        source=source, status="skipped",
                        reason=f"Trùng đường dẫn tương đối với {found[source].path}; hãy lập chỉ mục một thư mục gốc chung.",
                    ))
                continue
            found[source] = FoundFile(path=path, root=root, source=source, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    return [found[s] for s in sorted(found)], clashes
