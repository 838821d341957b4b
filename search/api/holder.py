"""The Searcher behind the HTTP API: opened once, reopened when the index's live generation changes.

Each request takes a lease (`with holder.lease() as searcher:`). Before handing one out the holder reads the
index's CURRENT pointer (one small file read); when it names another generation than the open one, a new Searcher
is opened and becomes the one handed out. The previous Searcher is closed once its last lease is returned, so a
request that started on the old generation finishes on it and its pin is then released for the next build.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from indexer.store.generations import current_generation


class _Entry:
    def __init__(self, searcher, generation: str | None) -> None:
        self.searcher = searcher
        self.generation = generation
        self.leases = 0
        self.retired = False


class SearcherHolder:
    """Thread-safe owner of the live Searcher of `index_dir`.

    `opener(index_dir)` opens a Searcher (default: Searcher.open); its errors (IndexMissing, IndexDamaged, …,
    all TracuuError with a Vietnamese message) pass through `lease()` to the caller, and the next request tries again.
    """

    def __init__(self, index_dir: Path, opener: Callable[[Path], object] | None = None) -> None:
        self.index_dir = Path(index_dir)
        self._opener = opener or _open_searcher
        self._lock = threading.Lock()
        self._entry: _Entry | None = None
        self.opened = 0  # how many Searchers were opened (the tests check reuse with it)

    def _live_name(self) -> str | None:
        gen = current_generation(self.index_dir)
        return gen.name if gen is not None else None

    def _current(self) -> _Entry:
        live = self._live_name()
        entry = self._entry
        if entry is not None and live is not None and entry.generation == live:
            return entry
        searcher = self._opener(self.index_dir)  # raises IndexMissing when there is no live generation
        opened_gen = getattr(getattr(searcher, "reader", None), "generation_dir", None)
        fresh = _Entry(searcher, Path(opened_gen).name if opened_gen is not None else live)
        self.opened += 1
        if entry is not None:
            entry.retired = True
            if entry.leases == 0:
                _close(entry.searcher)
        self._entry = fresh
        return fresh

    @contextmanager
    def lease(self) -> Iterator[object]:
        """The live Searcher for the length of a request. Raises what opening the index raises."""
        with self._lock:
            entry = self._current()
            entry.leases += 1
        try:
            yield entry.searcher
        finally:
            with self._lock:
                entry.leases -= 1
                if entry.retired and entry.leases == 0:
                    _close(entry.searcher)

    @property
    def generation(self) -> str | None:
        """The generation of the Searcher handed out last (None before the first request)."""
        return self._entry.generation if self._entry else None

    def close(self) -> None:
        with self._lock:
            if self._entry is not None and self._entry.leases == 0:
                _close(self._entry.searcher)
            self._entry = None


def _open_searcher(index_dir: Path):
    from search.retrieve.searcher import Searcher

    return Searcher.open(index_dir)


def _close(searcher) -> None:
    reader = getattr(searcher, "reader", None)
    if reader is not None:
        reader.close()
