"""numba kernels compiled lazily, used once ready; the callers keep numpy code with the same results.

Compiling takes seconds (~9 s for the proximity kernel on the 2-core development VM; loading numba's on-disk
cache, `cache=True`, beside the source or in numba's user cache folder: ~0.5 s), so kernels run once `ready()`: a
Searcher starts `warm_up_in_background()` when it opens and its first queries run the numpy code. A one-shot command
therefore never waits for the compiler; a long-running app or server switches after its first seconds. Benchmarks
call `warm_up()` before timing. numba missing, or TRACUU_NUMBA=0: `AVAILABLE` is False and only numpy runs.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from typing import Callable

# numba is imported on the first compilation (importing it costs ~0.2 s, which a command that never searches
# lexically should not pay).
AVAILABLE = (os.environ.get("TRACUU_NUMBA", "1").strip().lower() not in ("0", "false", "no", "off")
             and importlib.util.find_spec("numba") is not None)
_lock = threading.RLock()
_ready = threading.Event()
_warm_ups: list[Callable[[], None]] = []  # each calls some kernels once on tiny arrays (compiling them)
_background: list[threading.Thread] = []
_background_lock = threading.Lock()  # not _lock: that one is held for the seconds a compilation takes


class Kernel:
    """A function of plain loops over numpy arrays, compiled by numba on the first call.

    helpers: names of functions of the same module that the kernel calls; they are compiled first (inlined) and
    replace the module's Python versions, so `func` stays plain Python (its py_func is the uncompiled original).
    """

    def __init__(self, func: Callable, helpers: tuple[str, ...] = ()) -> None:
        self.py_func = func
        self.helpers = helpers
        self._compiled: Callable | None = None

    def __call__(self, *args):
        compiled = self._compiled
        if compiled is None:
            compiled = self._compile()
        return compiled(*args)

    def _compile(self) -> Callable:
        with _lock:
            if self._compiled is None:
                from numba import njit

                module = importlib.import_module(self.py_func.__module__)
                for name in self.helpers:
                    helper = getattr(module, name)
                    if not hasattr(helper, "py_func"):
                        setattr(module, name, njit(cache=True, nogil=True, inline="always")(helper))
                self._compiled = njit(cache=True, nogil=True)(self.py_func)
            return self._compiled


def on_warm_up(func: Callable[[], None]) -> Callable[[], None]:
    """Register a function that calls kernels on tiny arrays of the types the index hands them (decorator)."""
    _warm_ups.append(func)
    return func


def ready() -> bool:
    """True when the compiled kernels can run now (numba available and warm_up() done)."""
    return _ready.is_set()


def warm_up() -> bool:
    """Compile (or load from numba's cache) every registered kernel; False when numba is not available."""
    if not AVAILABLE:
        return False
    with _lock:
        if not _ready.is_set():
            for func in list(_warm_ups):
                func()
            _ready.set()
    return True


def warm_up_in_background() -> None:
    """warm_up() in a daemon thread, once per process (nothing when numba is not available)."""
    with _background_lock:
        if not AVAILABLE or _background:
            return
        thread = threading.Thread(target=_quiet_warm_up, name="tracuu-numba-warm-up", daemon=True)
        _background.append(thread)
    thread.start()


def _quiet_warm_up() -> None:
    try:
        warm_up()
    except Exception:  # a broken numba installation: stay on the numpy code
        pass
