"""A generation's self-check: sizes and SHA-256 of its files, recorded in its manifest and compared on use.

- `record_files(gen_dir)` → {relative path: {"size", "sha256"}} of every file but manifest.json; the build stamps
  it in the manifest as "files".
- `check_generation(gen_dir, manifest, deep)` → a list of `Damage` (empty when whole). Sizes and presence are
  always compared (a stat per file: cheap enough for every open); `deep=True` also hashes every file and runs
  SQLite's quick_check (what `tracuu check` and `tracuu index` do).
- `check_index(index_dir, deep)` → (the live generation or None, damages) including a missing or unreadable
  CURRENT / manifest, for `tracuu check`.
- `damage_message(index_dir, damages)` → the one Vietnamese line that says what is damaged and how to repair.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import TracuuError
from indexer.store.generations import CURRENT_FILE, current_generation
from indexer.read.scan import file_sha256

MANIFEST_NAME = "manifest.json"
SQLITE_NAME = "tracuu.sqlite"


@dataclass(frozen=True)
class Damage:
    """One damaged part: `path` relative to the index folder, `problem` in Vietnamese."""

    path: str
    problem: str

    @property
    def needs_sources(self) -> bool:
        """True when the database or the manifest is damaged: only the source files can rebuild them."""
        return Path(self.path).name in (SQLITE_NAME, MANIFEST_NAME, CURRENT_FILE)


def _sha256(path: Path) -> str:
    """Hex SHA-256 of the file's bytes (read in 1 MiB blocks)."""
    return file_sha256(path)


def record_files(gen_dir: Path) -> dict[str, dict]:
    """Size and SHA-256 of every file under gen_dir except the manifest, by path relative to gen_dir ("/")."""
    gen_dir = Path(gen_dir)
    found = {}
    for folder, _dirs, names in os.walk(gen_dir):
        for name in names:
            path = Path(folder) / name
            relative = path.relative_to(gen_dir).as_posix()
            if relative != MANIFEST_NAME:
                found[relative] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    return dict(sorted(found.items()))


def check_generation(gen_dir: Path, manifest: dict, deep: bool = False) -> list[Damage]:
    """What is damaged in gen_dir compared with manifest["files"] ([] when whole, or when the manifest predates
    the record: nothing to compare with). deep: hash every file and run SQLite's quick_check too."""
    gen_dir = Path(gen_dir)
    recorded = manifest.get("files")
    if not isinstance(recorded, dict):
        return []
    where = gen_dir.name
    damages = []
    for relative, expected in recorded.items():
        path = gen_dir / relative
        shown = f"{where}/{relative}"
        try:
            size = path.stat().st_size
        except OSError:
            damages.append(Damage(shown, "bị mất"))
            continue
        if size != expected.get("size"):
            damages.append(Damage(shown, f"có {size} byte, lẽ ra {expected.get('size')} byte (bị cắt hoặc ghi đè)"))
        elif deep:
            try:
                same = _sha256(path) == expected.get("sha256")
            except OSError as error:
                damages.append(Damage(shown, f"không đọc được ({error.strerror or error})"))
                continue
            if not same:
                damages.append(Damage(shown, "nội dung đã bị thay đổi (tổng kiểm tra SHA-256 không khớp)"))
    if deep and SQLITE_NAME in recorded and not any(d.path.endswith(SQLITE_NAME) for d in damages):
        problem = _sqlite_problem(gen_dir / SQLITE_NAME)
        if problem:
            damages.append(Damage(f"{where}/{SQLITE_NAME}", problem))
    return damages


def _sqlite_problem(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return f"cơ sở dữ liệu SQLite hỏng ({error})"
    return None if result == "ok" else f"cơ sở dữ liệu SQLite hỏng ({result})"


def read_manifest_damage(gen_dir: Path) -> tuple[dict | None, Damage | None]:
    """The generation's manifest, or the Damage that says why it cannot be read."""
    path = Path(gen_dir) / MANIFEST_NAME
    shown = f"{Path(gen_dir).name}/{MANIFEST_NAME}"
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        return None, Damage(shown, "bị mất")
    except (OSError, ValueError) as error:
        return None, Damage(shown, f"không đọc được ({getattr(error, 'msg', None) or error})")
    if not isinstance(manifest, dict):
        return None, Damage(shown, "không phải một đối tượng JSON")
    return manifest, None


def check_index(index_dir: Path, deep: bool = True) -> tuple[Path | None, list[Damage]]:
    """(live generation or None, its damages). No live generation is reported as a damage only when CURRENT
    exists (pointing nowhere) or a finished generation (one with its manifest) does: an index folder nobody
    built yet, or whose first build was killed before it finished, has no index, not a damaged one."""
    index_dir = Path(index_dir)
    gen_dir = current_generation(index_dir)
    if gen_dir is None:
        finished = index_dir.is_dir() and ((index_dir / CURRENT_FILE).exists() or any(
            p.name.startswith("gen-") and (p / MANIFEST_NAME).exists() for p in index_dir.iterdir()))
        problem = "bị mất hoặc trỏ tới thế hệ không còn" if finished else None
        return None, [Damage(CURRENT_FILE, problem)] if problem else []
    manifest, damage = read_manifest_damage(gen_dir)
    if damage is not None:
        return gen_dir, [damage]
    return gen_dir, check_generation(gen_dir, manifest, deep=deep)


def damage_message(index_dir: Path, damages: list[Damage]) -> str:
    """One line: which files are damaged and the command that repairs them."""
    parts = "; ".join(f"{d.path} {d.problem}" for d in damages[:5])
    more = f" (và {len(damages) - 5} tệp khác)" if len(damages) > 5 else ""
    how = ("dựng lại từ các tệp văn bản gốc" if any(d.needs_sources for d in damages)
           else "dựng lại phần hỏng từ cơ sở dữ liệu")
    return (f"Chỉ mục {index_dir} bị hỏng: {parts}{more}. Sửa: tracuu index [THƯ_MỤC_VĂN_BẢN …] --index {index_dir} "
            f"({how}); kiểm tra lại: tracuu check --index {index_dir}")


def check_lexical_shapes(index, n_rows: int) -> None:
    """ValueError when a loaded LexicalIndex's arrays disagree with each other or with n_rows (bytes overwritten
    in place keep a file's size, so this is what catches them when the index is opened without hashing)."""
    import numpy as np

    indptr, rows = np.asarray(index.indptr), np.asarray(index.rows)
    problems = []
    if len(indptr) != index.n_terms + 1 or len(index.term_keys) != index.n_terms:
        problems.append("số từ khóa không khớp")
    elif len(indptr) and (indptr[0] != 0 or indptr[-1] != len(rows) or np.any(np.diff(indptr) < 0)):
        problems.append("bảng vị trí hỏng")
    if len(index.weights) != len(rows):
        problems.append("số trọng số không khớp")
    if index.n_rows != n_rows or len(index.doc_len) != n_rows:
        problems.append(f"{index.n_rows} đoạn, lẽ ra {n_rows}")
    if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= n_rows):
        problems.append("chỉ số đoạn ngoài phạm vi")
    if problems:
        raise ValueError(", ".join(problems))


class IndexDamaged(TracuuError):
    """A file of the live generation is missing, truncated, overwritten or unreadable; str() says which and how
    to repair (`tracuu index`)."""

    def __init__(self, message: str, damages: list[Damage] | None = None) -> None:
        super().__init__(message)
        self.damages = damages or []
