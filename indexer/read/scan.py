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
    """Every file under the given folders (and the given files), sorted by source; plus files that cannot be stat'ed.

    Sources are relative to one corpus root: the folder itself when one folder is given, else the deepest folder
    holding every given path (so two folders that both have "PROVENANCE.txt" stay apart).
    """
    given = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise CorpusMissing(f"Không tìm thấy {path} — hãy kiểm tra đường dẫn thư mục/tệp văn bản.")
        given.append(path.resolve())
    bases = {p if p.is_dir() else p.parent for p in given}
    root = bases.pop() if len(bases) == 1 else Path(os.path.commonpath([str(b) for b in bases]))
    found: dict[str, FoundFile] = {}
    unreadable: list[FileOutcome] = []
    for path in given:
        for candidate in (_walk(path) if path.is_dir() else [path]):
            source = candidate.relative_to(root).as_posix()
            if source in found:
                continue  # the same file reached through two of the given paths
            try:
                stat = candidate.stat()
            except OSError as error:
                unreadable.append(FileOutcome(source=source, status="failed",
                                              reason=f"Không đọc được tệp: {error.strerror}"))
                continue
            if candidate.is_file():
                found[source] = FoundFile(path=candidate, root=root, source=source, size=stat.st_size,
                                          mtime_ns=stat.st_mtime_ns)
    return [found[s] for s in sorted(found)], unreadable


def match_renames(new: Sequence[FoundFile], stored: dict[str, dict], present: set[str]) -> dict[str, str]:
    """new source → the stored source with the same content (size and SHA-256) that is no longer found.

    A file renamed or moved, or named anew because the corpus root changed (`index B --add` beside A renames
    "x.pdf" to "A/x.pdf"), keeps its stored document instead of being read again. stored: source → files-table
    row (size, sha256, role); present: every source found now. Only files whose size matches a gone file are hashed.
    """
    gone: dict[int, list[dict]] = {}
    for source, row in sorted(stored.items()):
        if source not in present and row["role"] in ("primary", "duplicate") and row["sha256"]:
            gone.setdefault(row["size"], []).append(row)
    matches: dict[str, str] = {}
    for f in new:
        rows = gone.get(f.size)
        if not rows:
            continue
        try:
            sha = file_sha256(f.path)
        except OSError:
            continue
        # the same file name (under a new folder) first, then in source order
        for row in sorted(rows, key=lambda r: (not f.source.endswith(r["source"].rsplit("/", 1)[-1]), r["source"])):
            if row["sha256"] == sha:
                rows.remove(row)
                matches[f.source] = row["source"]
                break
    return matches
