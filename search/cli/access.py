"""`tracuu user add|remove|list|token` (the local account store) and `tracuu audit` (the audit trail)."""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import asdict
from pathlib import Path

from indexer.errors import TracuuError
from indexer.settings import Settings


def _index_dir(args: argparse.Namespace) -> Path:
    return Path(args.index) if getattr(args, "index", None) else Settings.from_env().index_dir


def _store(args: argparse.Namespace):
    from search.access import AccessSettings, UserStore

    return UserStore(AccessSettings.from_env(_index_dir(args)).users_path)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise TracuuError("Hai lần nhập mật khẩu không khớp.")
    return first


def cmd_user(args: argparse.Namespace) -> int:
    from search.access.passwords import WeakPassword

    store = _store(args)
    action = args.user_command
    if action == "add":
        try:
            account = store.add(args.name, _read_password(args), args.role)
        except WeakPassword as error:
            raise TracuuError(str(error)) from None
        print(f"Đã tạo tài khoản {account.name} (vai trò {account.role}) trong {store.path}.")
    elif action == "remove":
        store.remove(args.name)
        print(f"Đã xóa tài khoản {args.name} và các mã API của nó.")
    elif action == "list":
        accounts = store.accounts()
        if args.json:
            print(json.dumps([asdict(a) for a in accounts], ensure_ascii=False, indent=2))
        elif not accounts:
            print(f"Chưa có tài khoản nào ({store.path}). Tạo biên tập viên: tracuu user add TÊN")
        for a in accounts if not args.json else ():
            tokens = ", ".join(t["id"] + (f" ({t['label']})" if t["label"] else "") for t in a.tokens) or "không"
            print(f"{a.name}\t{a.role}\ttạo {a.created}\tmã API: {tokens}")
    elif action == "token":
        if args.revoke:
            store.revoke_token(args.name, args.revoke)
            print(f"Đã thu hồi mã {args.revoke} của {args.name}.")
        else:
            token = store.create_token(args.name, args.label or "")
            print(token)
            print("Mã API chỉ hiện một lần này; gửi kèm tiêu đề 'Authorization: Bearer <mã>'. "
                  f"Thu hồi: tracuu user token {args.name} --revoke {token.split('_')[1]}", file=sys.stderr)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from search.access import audit

    entries = audit.read(_index_dir(args), limit=args.limit)
    if args.json:
        for entry in reversed(entries):  # oldest first, as in the file
            print(json.dumps(asdict(entry), ensure_ascii=False))
        return 0
    if not entries:
        print(f"Chưa có thay đổi nào được ghi ({audit.audit_path(_index_dir(args))}).")
        return 0
    for row in audit.rows(list(reversed(entries))):
        print(" · ".join(str(v) for k, v in row.items() if v not in ("", "—") or k == "Tệp"))
    return 0


def add_parsers(sub, add_index_option, count_type=int) -> None:
    """The `user` and `audit` subcommands, added to the `tracuu` parser (count_type: the argparse type of --limit)."""
    p = sub.add_parser("user", help="tài khoản biên tập viên/người đọc và mã API (lưu trong thư mục chỉ mục)")
    usub = p.add_subparsers(dest="user_command", required=True)
    d = usub.add_parser("add", help="tạo tài khoản (mật khẩu hỏi qua bàn phím, hoặc --password-stdin)")
    d.add_argument("name", metavar="TÊN")
    d.add_argument("--role", choices=["editor", "reader"], default="editor",
                   help="editor: thêm, gỡ văn bản và lập lại chỉ mục; reader: chỉ đọc (mặc định: editor)")
    d.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của đầu vào chuẩn")
    add_index_option(d)
    d = usub.add_parser("remove", help="xóa tài khoản")
    d.add_argument("name", metavar="TÊN")
    add_index_option(d)
    d = usub.add_parser("list", help="liệt kê tài khoản")
    d.add_argument("--json", action="store_true")
    add_index_option(d)
    d = usub.add_parser("token", help="tạo mã API cho tài khoản (in ra một lần), hoặc thu hồi bằng --revoke")
    d.add_argument("name", metavar="TÊN")
    d.add_argument("--label", help="ghi chú cho mã (ví dụ: tên máy dùng nó)")
    d.add_argument("--revoke", metavar="ID", help="thu hồi mã có số hiệu này (xem tracuu user list)")
    add_index_option(d)

    p = sub.add_parser("audit", help="nhật ký thay đổi kho văn bản (ai, khi nào, tệp nào, sha256, từ đâu)")
    p.add_argument("--limit", type=count_type, default=None, metavar="N", help="chỉ N dòng mới nhất")
    p.add_argument("--json", action="store_true", help="mỗi dòng một đối tượng JSON, cũ trước")
    add_index_option(p)
