"""The local account store: one JSON file (default `<index>/users.json`, mode 0600) of accounts and API tokens.

Shape of the file: {"format": 1, "users": {NAME: {"role": "editor"|"reader", "password": ARGON2ID-HASH,
"created": ISO-UTC, "tokens": [{"id": 8 HEX, "hash": SHA256-HEX, "label": str, "created": ISO-UTC}]}}}.
Passwords are stored only as Argon2id hashes, tokens only as SHA-256 hashes (a token is 256 random bits, so a
fast hash is enough; the plain token is shown once, when it is made). Every change rewrites the file atomically
(temporary file, fsync, rename) under an exclusive lock, so `tracuu user …` can run while the app is serving.
The file lives beside the index generations, which a rebuild never deletes.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from indexer.errors import TracuuError
from search.access.passwords import burn_time, hash_password, needs_rehash, verify_password

USERS_FILE = "users.json"
ROLES = ("editor", "reader")
TOKEN_PREFIX = "tracuu"
_NAME = re.compile(r"^[\w.@+-]{1,64}$")
_TOKEN = re.compile(rf"^{TOKEN_PREFIX}_([0-9a-f]{{8}})_([A-Za-z0-9_-]{{20,}})$")


class AccountError(TracuuError):
    """A refused account operation (unknown name, name taken, bad role); the message is in Vietnamese."""


@dataclass(frozen=True)
class Account:
    """One account as `tracuu user list` shows it (no hashes)."""
    name: str
    role: str
    created: str
    tokens: list[dict] = field(default_factory=list)  # [{"id", "label", "created"}]


@dataclass(frozen=True)
class Identity:
    """Who is acting: `via` is "password", "token", "oidc" or "os" (the CLI's operating-system user)."""
    name: str
    role: str
    via: str

    @property
    def is_editor(self) -> bool:
        return self.role == "editor"


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def default_users_path(index_dir: Path, env: dict[str, str] | None = None) -> Path:
    """$TRACUU_USERS when set, else `<index_dir>/users.json`."""
    env = os.environ if env is None else env
    return Path(env["TRACUU_USERS"]) if env.get("TRACUU_USERS") else Path(index_dir) / USERS_FILE


class UserStore:
    """Accounts in one JSON file. Reads the file on every call, so changes made elsewhere apply at once."""

    def __init__(self, path: Path):
        self.path = Path(path)

    # ---- file --------------------------------------------------------------------------------------------------

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"format": 1, "users": {}}
        except (OSError, ValueError) as error:
            raise AccountError(f"Không đọc được tệp tài khoản {self.path}: {error}") from None
        if not isinstance(data, dict) or not isinstance(data.get("users"), dict):
            raise AccountError(f"Tệp tài khoản {self.path} không đúng định dạng.")
        return data

    @contextlib.contextmanager
    def _editing(self) -> Iterator[dict]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(self.path.with_name(self.path.name + ".lock"), "a+", encoding="utf-8")
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            data = self._load()
            yield data
            tmp = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
            lock.close()

    # ---- accounts ----------------------------------------------------------------------------------------------

    def add(self, name: str, password: str, role: str = "editor") -> Account:
        """Create an account. Raises AccountError (bad name or role, name taken) or WeakPassword (too short)."""
        if not _NAME.match(name or ""):
            raise AccountError("Tên đăng nhập chỉ gồm chữ, số và . _ - + @ (tối đa 64 ký tự).")
        if role not in ROLES:
            raise AccountError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
        hashed = hash_password(password)
        with self._editing() as data:
            if name in data["users"]:
                raise AccountError(f"Tài khoản {name} đã có.")
            data["users"][name] = {"role": role, "password": hashed, "created": _now(), "tokens": []}
        return Account(name, role, data["users"][name]["created"])

    def remove(self, name: str) -> None:
        """Delete an account and its tokens. Raises AccountError when there is no such account."""
        with self._editing() as data:
            if data["users"].pop(name, None) is None:
                raise AccountError(f"Không có tài khoản {name}.")

    def accounts(self) -> list[Account]:
        users = self._load()["users"]
        return [Account(name, u.get("role", "reader"), u.get("created", ""),
                        [{k: t.get(k, "") for k in ("id", "label", "created")} for t in u.get("tokens", [])])
                for name, u in sorted(users.items())]

    def get(self, name: str) -> Account | None:
        return next((a for a in self.accounts() if a.name == name), None)

    def check_password(self, name: str, password: str) -> Identity | None:
        """The account's Identity when the password is right, else None (same work for an unknown name)."""
        user = self._load()["users"].get(name)
        if user is None:
            burn_time(password)
            return None
        if not verify_password(user.get("password", ""), password):
            return None
        if needs_rehash(user["password"]):
            with contextlib.suppress(OSError, AccountError), self._editing() as data:
                if name in data["users"]:
                    data["users"][name]["password"] = hash_password(password)
        return Identity(name, user.get("role", "reader"), "password")

    # ---- API tokens --------------------------------------------------------------------------------------------

    def create_token(self, name: str, label: str = "") -> str:
        """A new API token for the account, returned in clear once (only its SHA-256 is kept)."""
        token_id = secrets.token_hex(4)
        token = f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
        with self._editing() as data:
            user = data["users"].get(name)
            if user is None:
                raise AccountError(f"Không có tài khoản {name}.")
            user.setdefault("tokens", []).append(
                {"id": token_id, "hash": token_hash(token), "label": label, "created": _now()})
        return token

    def revoke_token(self, name: str, token_id: str) -> None:
        """Delete one token of the account. Raises AccountError when the account or the token is not there."""
        with self._editing() as data:
            user = data["users"].get(name)
            tokens = user.get("tokens", []) if user else []
            kept = [t for t in tokens if t.get("id") != token_id]
            if user is None or len(kept) == len(tokens):
                raise AccountError(f"Không có mã {token_id} của tài khoản {name}.")
            user["tokens"] = kept

    def check_token(self, token: str | None) -> Identity | None:
        """The Identity a token (`tracuu_<id>_<secret>`, e.g. from `Authorization: Bearer …`) stands for, or None.

        None for a missing, malformed, revoked or unknown token; comparison is constant-time.
        """
        match = _TOKEN.match((token or "").strip())
        if not match:
            return None
        wanted = token_hash(match.group(0))
        for name, user in self._load()["users"].items():
            for stored in user.get("tokens", []):
                if stored.get("id") == match.group(1) and hmac.compare_digest(stored.get("hash", ""), wanted):
                    return Identity(name, user.get("role", "reader"), "token")
        return None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an HTTP `Authorization: Bearer <token>` header value, or None."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
