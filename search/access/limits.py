"""Limits for anyone who can write: files per upload, bytes per file and per upload, and free disk space left
after the files and the next index generation are written. Refusals are Vietnamese `WriteRefused` errors."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from indexer.errors import TracuuError
from indexer.store.generations import current_generation

MB = 1024 * 1024


class WriteRefused(TracuuError):
    """A write refused before anything was stored (too many files, too large, disk nearly full)."""


@dataclass(frozen=True)
class WriteLimits:
    max_files: int = 20  # TRACUU_MAX_UPLOAD_FILES: files in one upload
    max_file_bytes: int = 50 * MB  # TRACUU_MAX_FILE_MB: one file
    max_upload_bytes: int = 200 * MB  # TRACUU_MAX_UPLOAD_MB: all files of one upload together
    min_free_bytes: int = 1024 * MB  # TRACUU_MIN_FREE_MB: free space that must remain on the disk afterwards

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "WriteLimits":
        env = os.environ if env is None else env

        def number(name: str, default: float) -> float:
            try:
                return float(env.get(name) or default)
            except ValueError:
                return default

        return cls(max_files=int(number("TRACUU_MAX_UPLOAD_FILES", 20)),
                   max_file_bytes=int(number("TRACUU_MAX_FILE_MB", 50) * MB),
                   max_upload_bytes=int(number("TRACUU_MAX_UPLOAD_MB", 200) * MB),
                   min_free_bytes=int(number("TRACUU_MIN_FREE_MB", 1024) * MB))


def _mb(n: float) -> str:
    return f"{n / MB:,.0f} MB".replace(",", ".") if n >= MB else f"{n / MB:.2f} MB".replace(".", ",")


def folder_bytes(folder: Path | None) -> int:
    """Total size of the files under `folder` (0 when it is None or missing)."""
    if folder is None:
        return 0
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def _existing(path: Path) -> Path:
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_headroom(corpus_dir: Path, index_dir: Path, incoming_bytes: int, limits: WriteLimits,
                   disk_usage: Callable[[Path], object] = shutil.disk_usage) -> None:
    """Refuse (WriteRefused) when storing `incoming_bytes` under the corpus plus writing a new index generation
    (about the size of the live one) would leave less than `limits.min_free_bytes` free on either disk.
    `disk_usage(path)` returns an object with `.free` in bytes (shutil.disk_usage; injected in tests)."""
    corpus, index = _existing(corpus_dir), _existing(index_dir)
    generation = folder_bytes(current_generation(index_dir)) + incoming_bytes  # the next one is about this big
    needs = {corpus: incoming_bytes}
    same_disk = corpus.stat().st_dev == index.stat().st_dev
    if same_disk:
        needs[corpus] += generation
    else:
        needs[index] = generation
    for where, need in needs.items():
        free = disk_usage(where).free
        if free - need < limits.min_free_bytes:
            raise WriteRefused(
                f"Không nhận tệp: ổ đĩa chứa {where} chỉ còn trống {_mb(free)}; sau khi lưu tệp và lập chỉ mục "
                f"(cần khoảng {_mb(need)}) sẽ còn dưới mức tối thiểu {_mb(limits.min_free_bytes)} "
                "(TRACUU_MIN_FREE_MB). Hãy giải phóng dung lượng hoặc báo quản trị viên.")


def check_upload(files: Sequence[tuple[str, bytes]], corpus_dir: Path, index_dir: Path, limits: WriteLimits,
                 disk_usage: Callable[[Path], object] = shutil.disk_usage) -> None:
    """Refuse a whole upload (WriteRefused) that has too many files, is too large, or would fill the disk.

    A single file over `max_file_bytes` is not refused here: the upload handler rejects that file alone.
    """
    if len(files) > limits.max_files:
        raise WriteRefused(f"Mỗi lần chỉ nhận tối đa {limits.max_files} tệp (đã chọn {len(files)}); "
                           "hãy chia thành nhiều lần tải lên.")
    total = sum(len(data) for _name, data in files)
    if total > limits.max_upload_bytes:
        raise WriteRefused(f"Tổng dung lượng một lần tải lên tối đa {_mb(limits.max_upload_bytes)} "
                           f"(đã chọn {_mb(total)}); hãy chia thành nhiều lần.")
    check_headroom(corpus_dir, index_dir, total, limits, disk_usage)
