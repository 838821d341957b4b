"""Who may do what: the two roles, the access settings read from the environment, the app's tabs per role,
the identity of an OpenID Connect user, and what `tracuu ui` says about the address it listens on."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from indexer.errors import TracuuError
from search.access.users import Identity, UserStore, bearer_token, default_users_path

READ_ACTIONS = frozenset({"search", "ask", "read", "precedents", "duties", "export"})
WRITE_ACTIONS = frozenset({"upload", "remove", "reindex", "audit"})
EDITOR_TABS = ("Thêm văn bản", "Nhật ký thay đổi")
LOOPBACK = "127.0.0.1"


def allowed(identity: Identity | None, action: str, read_requires_login: bool = False) -> bool:
    """Whether `identity` (None: nobody signed in) may do `action` (one of READ_ACTIONS or WRITE_ACTIONS).

    Reading is open unless `read_requires_login`; writing needs an editor. Unknown actions are refused.
    """
    if action in READ_ACTIONS:
        return identity is not None or not read_requires_login
    if action in WRITE_ACTIONS:
        return identity is not None and identity.is_editor
    return False


class AccessDenied(TracuuError):
    """A request refused by `authorize`; `status` is the HTTP status an API answers with (401 or 403)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def authorize(store: UserStore, authorization: str | None, action: str,
              read_requires_login: bool = False) -> Identity | None:
    """The check an HTTP API makes before an action: the caller's Identity (None for an anonymous read that is
    allowed), from the `Authorization: Bearer <token>` header value (tokens from `tracuu user token`).

    Raises AccessDenied(status=401) when a token is needed and missing, unknown or revoked; status=403 when the
    token is valid but its account's role may not do `action` (a reader token on a write).
    """
    token = bearer_token(authorization)
    identity = store.check_token(token) if token else None
    if token and identity is None:
        raise AccessDenied("Mã API không hợp lệ hoặc đã bị thu hồi.", 401)
    if allowed(identity, action, read_requires_login):
        return identity
    if identity is None:
        raise AccessDenied("Cần mã API (tiêu đề Authorization: Bearer <mã>, tạo bằng tracuu user token).", 401)
    raise AccessDenied(f"Tài khoản {identity.name} ({identity.role}) không được làm việc này.", 403)


def visible_tabs(all_tabs: tuple[str, ...], identity: Identity | None) -> tuple[str, ...]:
    """The tabs of the app this person may open: the editor tabs only for editors."""
    editor = identity is not None and identity.is_editor
    return tuple(t for t in all_tabs if editor or t not in EDITOR_TABS)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on", "có")


@dataclass(frozen=True)
class AccessSettings:
    users_path: Path  # TRACUU_USERS, default <index>/users.json
    read_requires_login: bool  # TRACUU_READ_LOGIN=1: readers sign in too

    @classmethod
    def from_env(cls, index_dir: Path, env: Mapping[str, str] | None = None) -> "AccessSettings":
        env = dict(os.environ if env is None else env)
        return cls(default_users_path(index_dir, env), _truthy(env.get("TRACUU_READ_LOGIN")))


def oidc_identity(user_info: Mapping[str, object] | None, store: UserStore) -> Identity | None:
    """The Identity of a person signed in through Streamlit's st.login (`st.user` as a mapping), or None.

    Their e-mail (else the `sub` claim) is their name; an account of that name in the local store gives its role
    (`tracuu user add hoa@so.gov.vn --role editor`), anyone else the provider lets in is a reader.
    """
    if not user_info or not user_info.get("is_logged_in"):
        return None
    name = str(user_info.get("email") or user_info.get("sub") or "").strip()
    if not name:
        return None
    account = store.get(name)
    return Identity(name, account.role if account else "reader", "oidc")


def client_origin(ip_address: str | None) -> str:
    """What the audit trail records as "from where": the client's IP address, or "local" on this machine."""
    if not isinstance(ip_address, str) or not ip_address.strip():  # None on localhost (and a mock under AppTest)
        return "local"
    return ip_address.strip()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen_message(host: str, port: int, what: str = "Giao diện", command: str = "tracuu ui") -> str:
    """What `tracuu ui` (and, with what="API", command="tracuu serve", `tracuu serve`) prints on start about who
    can reach it (Vietnamese)."""
    if is_loopback(host):
        return (f"{what} chỉ nghe trên {host}:{port} — chỉ máy này mở được: http://{host}:{port}\n"
                f"Muốn mở cho mạng nội bộ của cơ quan: {command} --host 0.0.0.0 (xem README, mục Ai được thay đổi "
                "kho văn bản).")
    shown = "mọi địa chỉ mạng của máy này" if host in ("0.0.0.0", "::") else host
    return (f"{what} nghe trên {shown}, cổng {port}: các máy khác trong mạng mở được. Người đọc không cần "
            "đăng nhập; chỉ biên tập viên (tracuu user add) được thêm, gỡ văn bản và lập lại chỉ mục.")
