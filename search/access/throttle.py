"""Sign-in backoff: after a few wrong passwords for an account or from one address, further attempts are refused
until a waiting time has passed, and that time doubles with each further failure (the password is not even
checked while waiting, so guessing gets slow without a server thread sleeping). The clock is injected."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from search.access.users import Identity, UserStore

FREE_FAILURES = 3  # wrong passwords allowed before any waiting
BASE_DELAY = 2.0  # seconds after the first failure beyond the free ones; doubles each further failure
MAX_DELAY = 300.0
FORGET_AFTER = 900.0  # a key with no failure for this long starts again from zero


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    blocked_until: float = 0.0


class LoginThrottle:
    """Failure counts per key ("user:NAME", "ip:ADDRESS"); thread-safe, in memory (one per app process)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, free_failures: int = FREE_FAILURES,
                 base_delay: float = BASE_DELAY, max_delay: float = MAX_DELAY, forget_after: float = FORGET_AFTER):
        self.clock = clock
        self.free_failures = free_failures
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.forget_after = forget_after
        self._keys: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def _entry(self, key: str, now: float) -> _Failures:
        entry = self._keys.get(key)
        if entry is None or (entry.count and now - entry.last > self.forget_after and now >= entry.blocked_until):
            entry = self._keys[key] = _Failures()
        return entry

    def wait_seconds(self, keys: list[str]) -> float:
        """Seconds before any of `keys` may try again (0.0: now)."""
        now = self.clock()
        with self._lock:
            return max([0.0, *(self._entry(k, now).blocked_until - now for k in keys)])

    def failed(self, keys: list[str]) -> float:
        """Record a failure for each key; returns the new waiting time in seconds (0.0 while failures are free)."""
        now = self.clock()
        with self._lock:
            waits = [0.0]
            for key in keys:
                entry = self._entry(key, now)
                entry.count += 1
                entry.last = now
                extra = entry.count - self.free_failures
                if extra > 0:
                    entry.blocked_until = now + min(self.base_delay * 2 ** (extra - 1), self.max_delay)
                    waits.append(entry.blocked_until - now)
            return max(waits)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._keys.pop(key, None)


@dataclass(frozen=True)
class SignIn:
    """The outcome of one attempt: `identity` when it worked, else a Vietnamese `message` (and `wait` seconds)."""
    identity: Identity | None
    message: str
    wait: float = 0.0


def sign_in(store: UserStore, throttle: LoginThrottle, name: str, password: str, origin: str) -> SignIn:
    """Check a name and password, slowed per account and per origin address (`origin`: IP or "local")."""
    name = (name or "").strip()
    keys = [f"user:{name.casefold()}", f"ip:{origin}"]
    wait = throttle.wait_seconds(keys)
    if wait > 0:
        return SignIn(None, f"Đăng nhập sai nhiều lần: hãy thử lại sau {wait:.0f} giây.", wait)
    identity = store.check_password(name, password or "") if name else None
    if identity is None:
        wait = throttle.failed(keys)
        more = f" Đã sai nhiều lần: hãy chờ {wait:.0f} giây trước khi thử lại." if wait else ""
        return SignIn(None, "Sai tên đăng nhập hoặc mật khẩu." + more, wait)
    throttle.succeeded([keys[0]])
    return SignIn(identity, f"Đã đăng nhập: {identity.name}.")
