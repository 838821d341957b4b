"""Password hashing with Argon2id (argon2-cffi): the only place that knows how a password is stored."""
from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # Argon2id, 64 MiB, 3 passes, 4 lanes: about 50–100 ms per hash on one core
MIN_PASSWORD_LENGTH = 8


class WeakPassword(ValueError):
    """The password is too short (message in Vietnamese)."""


def hash_password(password: str) -> str:
    """The Argon2id hash string of `password` (salted: two calls give different strings).

    Raises WeakPassword when it has fewer than MIN_PASSWORD_LENGTH characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches `stored_hash`; False for a wrong password or a damaged/unknown hash."""
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (the store rehashes on the next sign-in)."""
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


# A hash of a random password, verified against when the account does not exist, so a wrong name takes as long
# as a wrong password and the timing does not tell which names exist.
@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _HASHER.hash("tracuu-no-such-account-placeholder")


def burn_time(password: str) -> None:
    """Spend the time of one verification (for unknown account names)."""
    verify_password(_dummy_hash(), password)
