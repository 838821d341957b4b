"""The index folder's generations: CURRENT names the live one, builds write a new one and flip CURRENT atomically."""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
from pathlib import Path
from typing import IO, Iterator

from indexer.errors import IndexLocked

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
PIN_FILE = "manifest.json"  # every finished generation has one; readers hold a shared flock on it
_GEN_NAME = re.compile(r"^gen-(\d{6,})$")


def generation_name(number: int) -> str:
    return f"gen-{number:06d}"


def generation_number(path: Path) -> int | None:
    match = _GEN_NAME.match(Path(path).name)
    return int(match.group(1)) if match else None


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder named by CURRENT, or None when there is none (or it vanished)."""
    pointer = Path(index_dir) / CURRENT_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not _GEN_NAME.match(name):
        return None
    gen_dir = Path(index_dir) / name
    return gen_dir if gen_dir.is_dir() else None


def generations(index_dir: Path) -> list[Path]:
    """Every gen-NNNNNN folder, oldest first."""
    found = [p for p in Path(index_dir).iterdir() if p.is_dir() and generation_number(p) is not None]
    return sorted(found, key=lambda p: generation_number(p) or 0)


def new_generation_dir(index_dir: Path) -> Path:
    """Create the folder for the next generation (numbers only grow, so a reader never sees a name reused)."""
    existing = [generation_number(p) or 0 for p in generations(index_dir)]
    gen_dir = Path(index_dir) / generation_name(max(existing, default=0) + 1)
    gen_dir.mkdir()
    return gen_dir


def fsync_dir(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every file and folder under root to disk, so CURRENT never points at data still in page cache."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))


def flip_current(index_dir: Path, gen_dir: Path) -> None:
    """Point CURRENT at gen_dir: write CURRENT.tmp, fsync, rename over CURRENT, fsync the folder."""
    index_dir = Path(index_dir)
    tmp = index_dir / (CURRENT_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(Path(gen_dir).name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / CURRENT_FILE)
    fsync_dir(index_dir)


def pin_generation(gen_dir: Path) -> IO[bytes] | None:
    """Shared lock that keeps gen_dir on disk while the returned handle is open (an IndexReader's lifetime).

    None when the generation is being removed or already was: the caller reads CURRENT again.
    """
    try:
        handle = open(Path(gen_dir) / PIN_FILE, "rb")
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:  # a build holds it exclusively while deleting the folder
        handle.close()
        return None
    # The remover unlinks the file before it unlocks it: a link count of 0 means we locked a deleted generation.
    if os.fstat(handle.fileno()).st_nlink == 0:
        handle.close()
        return None
    return handle


def remove_generations(index_dir: Path, keep: set[str]) -> None:
    """Delete generation folders not named in keep (leftovers of killed builds, generations older than the previous).

    A generation an open reader has pinned stays, so its lazily loaded files (dense.faiss, lexical/) are still
    there when it needs them; a later build removes it once no reader holds it.
    """
    for gen_dir in generations(index_dir):
        if gen_dir.name in keep:
            continue
        try:
            handle = open(gen_dir / PIN_FILE, "rb")
        except FileNotFoundError:  # a killed build's folder: no reader ever opened it
            shutil.rmtree(gen_dir, ignore_errors=True)
            continue
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # pinned by a reader
            shutil.rmtree(gen_dir, ignore_errors=True)  # unlinks the pin file while we still hold it locked
        finally:
            handle.close()


@contextlib.contextmanager
def build_lock(index_dir: Path, timeout: float = 0.0) -> Iterator[None]:
    """Exclusive lock on index_dir/.lock for one build; the kernel releases it if the process dies.

    With timeout 0 a second build refuses at once; otherwise it waits up to `timeout` seconds.
    """
    lock_path = Path(index_dir) / LOCK_FILE
    handle = open(lock_path, "a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLocked(
                        f"Chỉ mục {index_dir} đang được cập nhật bởi tiến trình khác; "
                        "hãy chờ tiến trình đó xong rồi chạy lại."
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
