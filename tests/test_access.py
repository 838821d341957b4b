"""Who may change the archive: password hashing, the account store and API tokens, sign-in backoff (with an
injected clock), roles, write limits and disk headroom, the audit trail, the audited changes and the CLI."""
from __future__ import annotations

import hashlib
import io
import json
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from indexer.build import build_index
from search.access import (AccessDenied, AccessSettings, AccountError, Identity, LoginThrottle, UserStore, WriteLimits,
                           WriteRefused, allowed, audit, bearer_token, changes, client_origin, listen_message,
                           authorize, oidc_identity, sign_in, visible_tabs)
from search.access.limits import MB, check_headroom, check_upload
from search.access.passwords import WeakPassword, hash_password, needs_rehash, verify_password
from search.cli.app import main

EDITOR = Identity("hoa", "editor", "password")
PLAN = "KẾ HOẠCH\nKiểm tra đê điều mùa mưa bão năm 2025\n\nI. Mục đích\n1. Sở Nông nghiệp kiểm tra đê hàng tháng.\n"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- hashing


def test_password_hash_is_salted_argon2id_and_verifies_only_the_right_password():
    first, second = hash_password("mat-khau-dung"), hash_password("mat-khau-dung")
    assert first.startswith("$argon2id$") and first != second
    assert "mat-khau-dung" not in first
    assert verify_password(first, "mat-khau-dung") and verify_password(second, "mat-khau-dung")
    assert not verify_password(first, "mat-khau-sai")
    assert not verify_password("not a hash", "mat-khau-dung")
    assert not needs_rehash(first)
    assert needs_rehash("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
    with pytest.raises(WeakPassword, match="ít nhất 8"):
        hash_password("ngan")


# ---------------------------------------------------------------- the account store


def test_user_store_add_list_remove_and_file_mode(tmp_path):
    store = UserStore(tmp_path / "index" / "users.json")
    store.add("hoa", "mat-khau-hoa", "editor")
    store.add("lan@so.gov.vn", "mat-khau-lan", "reader")
    assert [(a.name, a.role) for a in store.accounts()] == [("hoa", "editor"), ("lan@so.gov.vn", "reader")]
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    text = store.path.read_text(encoding="utf-8")
    assert "mat-khau-hoa" not in text and "$argon2id$" in text
    with pytest.raises(AccountError, match="đã có"):
        store.add("hoa", "mat-khau-khac", "editor")
    with pytest.raises(AccountError, match="Vai trò"):
        store.add("an", "mat-khau-an1", "admin")
    with pytest.raises(AccountError, match="Tên đăng nhập"):
        store.add("a b/c", "mat-khau-an1", "editor")
    # a second store on the same file sees the change at once (the app and the CLI share it)
    UserStore(store.path).remove("lan@so.gov.vn")
    assert [a.name for a in store.accounts()] == ["hoa"]
    with pytest.raises(AccountError, match="Không có tài khoản"):
        store.remove("lan@so.gov.vn")


def test_check_password(tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.add("hoa", "mat-khau-hoa")
    assert store.check_password("hoa", "mat-khau-hoa") == Identity("hoa", "editor", "password")
    assert store.check_password("hoa", "mat-khau-sai") is None
    assert store.check_password("khong-co", "mat-khau-hoa") is None
    assert UserStore(tmp_path / "missing.json").check_password("hoa", "x") is None


def test_damaged_store_is_an_error_not_an_open_door(tmp_path):
    path = tmp_path / "users.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(AccountError, match="Không đọc được"):
        UserStore(path).check_password("hoa", "mat-khau-hoa")


def test_tokens_are_stored_hashed_checked_and_revoked(tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.add("hoa", "mat-khau-hoa", "editor")
    store.add("lan", "mat-khau-lan", "reader")
    token = store.create_token("hoa", "máy chủ")
    other = store.create_token("lan")
    text = store.path.read_text(encoding="utf-8")
    assert token not in text and hashlib.sha256(token.encode()).hexdigest() in text
    assert store.check_token(token) == Identity("hoa", "editor", "token")
    assert store.check_token(other) == Identity("lan", "reader", "token")
    assert store.check_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert store.check_token(None) is None and store.check_token("") is None and store.check_token("abc") is None
    assert store.check_token(bearer_token(f"Bearer {token}")) == Identity("hoa", "editor", "token")
    assert bearer_token("Basic abc") is None and bearer_token(None) is None
    token_id = token.split("_")[1]
    assert [(t["id"], t["label"]) for t in store.get("hoa").tokens] == [(token_id, "máy chủ")]
    store.revoke_token("hoa", token_id)
    assert store.check_token(token) is None and store.check_token(other) is not None
    with pytest.raises(AccountError):
        store.revoke_token("hoa", token_id)
    store.remove("lan")
    assert store.check_token(other) is None
    with pytest.raises(AccountError):
        store.create_token("lan")


def test_authorize_for_an_http_api(tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.add("hoa", "mat-khau-hoa", "editor")
    store.add("lan", "mat-khau-lan", "reader")
    editor, reader = store.create_token("hoa"), store.create_token("lan")
    assert authorize(store, None, "search") is None  # anonymous reading, by default
    assert authorize(store, f"Bearer {reader}", "search") == Identity("lan", "reader", "token")
    assert authorize(store, f"Bearer {editor}", "upload") == Identity("hoa", "editor", "token")
    for header in (None, "", "Basic aG9hOnB3", f"Bearer {editor}x"):
        with pytest.raises(AccessDenied) as denied:
            authorize(store, header, "upload")
        assert denied.value.status == 401
    with pytest.raises(AccessDenied) as denied:
        authorize(store, f"Bearer {reader}", "reindex")
    assert denied.value.status == 403 and "lan" in str(denied.value)
    with pytest.raises(AccessDenied) as denied:
        authorize(store, None, "ask", read_requires_login=True)
    assert denied.value.status == 401
    store.revoke_token("hoa", editor.split("_")[1])
    with pytest.raises(AccessDenied) as denied:
        authorize(store, f"Bearer {editor}", "upload")
    assert denied.value.status == 401


# ---------------------------------------------------------------- backoff


def test_backoff_doubles_per_account_and_address_without_sleeping(tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.add("hoa", "mat-khau-hoa")
    clock = Clock()
    throttle = LoginThrottle(clock=clock, free_failures=3, base_delay=2.0, max_delay=60.0)
    for _ in range(3):  # the free failures: refused, no waiting
        result = sign_in(store, throttle, "hoa", "sai-mat-khau", "10.0.0.5")
        assert result.identity is None and result.wait == 0 and result.message == "Sai tên đăng nhập hoặc mật khẩu."
    result = sign_in(store, throttle, "hoa", "sai-mat-khau", "10.0.0.5")
    assert result.wait == 2.0 and "chờ 2 giây" in result.message
    # while waiting even the right password is not checked, from this address or another one
    assert sign_in(store, throttle, "hoa", "mat-khau-hoa", "10.0.0.5").identity is None
    blocked = sign_in(store, throttle, "hoa", "mat-khau-hoa", "10.0.0.9")
    assert blocked.identity is None and "thử lại sau 2 giây" in blocked.message
    clock.now += 2.0
    assert sign_in(store, throttle, "hoa", "sai-mat-khau", "10.0.0.5").wait == 4.0
    clock.now += 4.0
    assert sign_in(store, throttle, "hoa", "sai-mat-khau", "10.0.0.5").wait == 8.0
    # the address is slowed for other account names too
    assert sign_in(store, throttle, "an", "x", "10.0.0.5").identity is None
    assert throttle.wait_seconds(["ip:10.0.0.5"]) > 0
    clock.now += 8.0
    assert sign_in(store, throttle, "hoa", "mat-khau-hoa", "10.0.0.7").identity == Identity("hoa", "editor",
                                                                                               "password")
    assert throttle.wait_seconds(["user:hoa"]) == 0  # success resets the account
    for _ in range(20):
        clock.now += 1000.0
        throttle.failed(["user:x"])
    assert throttle.wait_seconds(["user:x"]) <= 2.0  # failures far apart are forgotten


def test_backoff_is_capped():
    clock = Clock()
    throttle = LoginThrottle(clock=clock, free_failures=0, base_delay=1.0, max_delay=10.0)
    waits = [throttle.failed(["ip:a"]) for _ in range(8)]
    assert waits == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0]


# ---------------------------------------------------------------- roles and settings


def test_roles_and_tabs():
    reader = Identity("lan", "reader", "password")
    tabs = ("Hỏi đáp", "Văn bản", "Thêm văn bản", "Nhật ký thay đổi")
    for action in ("search", "ask", "read", "precedents", "duties", "export"):
        assert allowed(None, action) and allowed(reader, action) and allowed(EDITOR, action)
        assert not allowed(None, action, read_requires_login=True) and allowed(reader, action, True)
    for action in ("upload", "remove", "reindex", "audit"):
        assert not allowed(None, action) and not allowed(reader, action) and allowed(EDITOR, action)
    assert not allowed(EDITOR, "format-disk")
    assert visible_tabs(tabs, None) == visible_tabs(tabs, reader) == ("Hỏi đáp", "Văn bản")
    assert visible_tabs(tabs, EDITOR) == tabs


def test_access_settings_from_env(tmp_path):
    default = AccessSettings.from_env(tmp_path / "index", {})
    assert default.users_path == tmp_path / "index" / "users.json" and not default.read_requires_login
    custom = AccessSettings.from_env(tmp_path, {"TRACUU_USERS": "/etc/tracuu/users.json", "TRACUU_READ_LOGIN": "1"})
    assert custom.users_path == Path("/etc/tracuu/users.json") and custom.read_requires_login


def test_oidc_identity_takes_the_role_of_a_matching_account(tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.add("hoa@so.gov.vn", "mat-khau-hoa", "editor")
    assert oidc_identity({"is_logged_in": True, "email": "hoa@so.gov.vn"}, store).is_editor
    assert oidc_identity({"is_logged_in": True, "email": "khach@x.vn"}, store) == Identity("khach@x.vn", "reader",
                                                                                          "oidc")
    assert oidc_identity({"is_logged_in": False}, store) is None and oidc_identity(None, store) is None


def test_origin_and_listen_message():
    assert client_origin(None) == "local" and client_origin("192.168.1.20") == "192.168.1.20"
    local = listen_message("127.0.0.1", 8501)
    assert "chỉ máy này" in local and "--host 0.0.0.0" in local
    assert "chỉ máy này" not in listen_message("0.0.0.0", 8501)
    assert "mọi địa chỉ mạng" in listen_message("0.0.0.0", 8501)


# ---------------------------------------------------------------- limits


def test_upload_count_and_size_limits(tmp_path):
    limits = WriteLimits(max_files=2, max_file_bytes=100, max_upload_bytes=150, min_free_bytes=0)
    roomy = lambda path: SimpleNamespace(free=10**12)  # noqa: E731
    check_upload([("a.txt", b"x" * 100), ("b.txt", b"y" * 50)], tmp_path, tmp_path / "index", limits, roomy)
    with pytest.raises(WriteRefused, match="tối đa 2 tệp"):
        check_upload([("a.txt", b"x")] * 3, tmp_path, tmp_path / "index", limits, roomy)
    with pytest.raises(WriteRefused, match="Tổng dung lượng"):
        check_upload([("a.txt", b"x" * 100), ("b.txt", b"y" * 51)], tmp_path, tmp_path / "index", limits, roomy)


def test_disk_headroom_counts_the_files_and_the_next_generation(tmp_path, corpus_copy):
    index = tmp_path / "index"
    build_index([corpus_copy], index, dense=False)
    from indexer.store.generations import current_generation
    from search.access.limits import folder_bytes

    generation = folder_bytes(current_generation(index))
    assert generation > 10_000
    limits = WriteLimits(min_free_bytes=500 * MB)
    seen = []

    def disk(free):
        return lambda path: seen.append(Path(path)) or SimpleNamespace(free=free)

    need = 1000 + (1000 + generation)  # the files, and a new generation as big as the live one plus them
    check_headroom(corpus_copy, index, 1000, limits, disk(500 * MB + need))
    with pytest.raises(WriteRefused, match="TRACUU_MIN_FREE_MB") as refused:
        check_headroom(corpus_copy, index, 1000, limits, disk(500 * MB + need - 1))
    assert "còn trống" in str(refused.value) and "500 MB" in str(refused.value)
    assert seen[-1] == corpus_copy.absolute()
    # a folder that does not exist yet is measured on the disk that will hold it
    check_headroom(tmp_path / "new" / "corpus", tmp_path / "new" / "index", 10, limits, disk(501 * MB))
    assert seen[-1] == tmp_path


def test_limits_from_env():
    limits = WriteLimits.from_env({"TRACUU_MAX_UPLOAD_FILES": "5", "TRACUU_MAX_FILE_MB": "2",
                                   "TRACUU_MAX_UPLOAD_MB": "3", "TRACUU_MIN_FREE_MB": "100"})
    assert limits == WriteLimits(5, 2 * MB, 3 * MB, 100 * MB)
    assert WriteLimits.from_env({}) == WriteLimits()


# ---------------------------------------------------------------- audit trail


def test_audit_append_read_and_torn_line(tmp_path):
    index = tmp_path / "index"
    assert audit.read(index) == []
    first = audit.record(index, "hoa", "password", "upload", file="uploads/a.txt", sha256="ab" * 32, size=3,
                         origin="10.0.0.5", detail="đã lập chỉ mục")
    audit.record(index, "root", "os", "index", outcome="unchanged")
    with open(audit.audit_path(index), "a", encoding="utf-8") as handle:
        handle.write('{"time": "2026-')  # a write cut short by a crash
    entries = audit.read(index)
    assert [e.who for e in entries] == ["root", "hoa"] and entries[1] == first
    assert audit.read(index, limit=1)[0].who == "root"
    lines = audit.audit_path(index).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["sha256"] == "ab" * 32 and json.loads(lines[0])["origin"] == "10.0.0.5"
    row = audit.rows(entries)[1]
    assert row["Việc"] == "tải lên" and row["Từ"] == "10.0.0.5" and row["Kết quả"] == "thành công"


def test_audit_survives_rebuilds_and_generation_cleanup(tmp_path, corpus_copy):
    index = tmp_path / "index"
    build_index([corpus_copy], index, dense=False)
    audit.record(index, "hoa", "password", "upload", file="x.txt")
    UserStore(index / "users.json").add("hoa", "mat-khau-hoa")
    for n in range(3):  # each change makes a new generation; older ones are deleted
        (corpus_copy / f"moi-{n}.txt").write_text(PLAN.replace("2025", str(2030 + n)), encoding="utf-8")
        build_index([corpus_copy], index, dense=False)
    assert len([p for p in index.iterdir() if p.name.startswith("gen-")]) <= 2
    assert [e.file for e in audit.read(index)] == ["x.txt"]
    assert UserStore(index / "users.json").check_password("hoa", "mat-khau-hoa") is not None


# ---------------------------------------------------------------- audited changes


def test_audited_upload_records_sha256_and_refusals(tmp_path, corpus_copy):
    index = tmp_path / "index"
    build_index([corpus_copy], index, dense=False)
    data = PLAN.encode("utf-8")
    limits = WriteLimits(max_files=3, max_file_bytes=10_000, max_upload_bytes=20_000, min_free_bytes=0)
    outcomes = changes.upload(EDITOR, "10.0.0.5", [("đê điều.txt", data), ("x.exe", b"MZ")], corpus_copy, index,
                              limits, build_index, dense=False)
    assert [o.status for o in outcomes] == ["indexed", "rejected"]
    entries = list(reversed(audit.read(index)))
    assert [(e.file, e.outcome, e.who, e.origin) for e in entries] == [
        ("uploads/đê_điều.txt", "ok", "hoa", "10.0.0.5"), ("x.exe", "rejected", "hoa", "10.0.0.5")]
    assert entries[0].sha256 == hashlib.sha256(data).hexdigest() and entries[0].bytes == len(data)
    assert entries[0].action == "upload" and entries[0].via == "password"
    # a disk too full refuses the whole upload before anything is stored, and says so in the trail
    full = lambda path: SimpleNamespace(free=10)  # noqa: E731
    with pytest.raises(WriteRefused, match="ổ đĩa"):
        changes.upload(EDITOR, "local", [("moi.txt", data.replace(b"2025", b"2026"))], corpus_copy, index,
                       WriteLimits(min_free_bytes=1), build_index, disk_usage=full, dense=False)
    assert not (corpus_copy / "uploads" / "moi.txt").exists()
    assert audit.read(index)[0].outcome == "rejected" and audit.read(index)[0].file == "moi.txt"


def test_audited_removal(tmp_path, corpus_copy):
    index = tmp_path / "index"
    build_index([corpus_copy], index, dense=False)
    source = "001_e2a5eb6ca02f8fd2.txt"
    digest = hashlib.sha256((corpus_copy / source).read_bytes()).hexdigest()
    report = changes.remove(EDITOR, "local", source, corpus_copy, index, build_index, dense=False)
    assert report.documents == 4 and not (corpus_copy / source).exists()
    entry = audit.read(index)[0]
    assert (entry.action, entry.file, entry.sha256, entry.outcome) == ("remove", source, digest, "ok")
    for bad in ("../outside.txt", "khong-co.txt"):
        with pytest.raises(WriteRefused):
            changes.remove(EDITOR, "local", bad, corpus_copy, index, build_index, dense=False)
        assert audit.read(index)[0].outcome == "rejected"


# ---------------------------------------------------------------- command line


def test_cli_user_token_and_audit(tmp_path, corpus_copy, monkeypatch, capsys):
    index = str(tmp_path / "index")
    monkeypatch.delenv("TRACUU_USERS", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-hoa\n"))
    assert main(["user", "add", "hoa", "--password-stdin", "--index", index]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("ngan\n"))
    assert main(["user", "add", "lan", "--password-stdin", "--index", index]) == 2
    assert "ít nhất 8" in capsys.readouterr().err
    assert main(["user", "token", "hoa", "--label", "api", "--index", index]) == 0
    token = capsys.readouterr().out.strip()
    store = UserStore(Path(index) / "users.json")
    assert store.check_token(token) == Identity("hoa", "editor", "token")
    assert main(["user", "list", "--json", "--index", index]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["name"] == "hoa" and listed[0]["tokens"][0]["label"] == "api" and "hash" not in str(listed)
    # `tracuu index` appends its run, as the OS user, with each new file's sha256
    assert main(["index", str(corpus_copy), "--index", index, "--no-dense"]) == 0
    capsys.readouterr()
    assert main(["audit", "--json", "--index", index]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    files = {e["file"]: e["sha256"] for e in lines if e["file"]}
    assert len(files) == 5 and all(e["via"] == "os" and e["action"] == "index" for e in lines)
    name = "000_4f88f90e5661ea20.txt"
    assert files[name] == hashlib.sha256((corpus_copy / name).read_bytes()).hexdigest()
    assert lines[-1]["file"] is None and "5 văn bản" in lines[-1]["detail"]
    assert main(["user", "remove", "hoa", "--index", index]) == 0
    assert store.accounts() == [] and store.check_token(token) is None


def test_ui_listens_on_loopback_by_default(monkeypatch, capsys):
    calls = []

    class FakeChild:  # stands in for Streamlit: records the command line, exits at once
        def __init__(self, cmd, **kw):
            calls.append(cmd)

        def wait(self, timeout=None):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr("subprocess.Popen", FakeChild)
    monkeypatch.setattr("search.cli.serve.port_free", lambda port: True)
    monkeypatch.setattr("search.cli.serve._stop", lambda child: None)  # no real process group to stop
    assert main(["ui"]) == 0
    cmd = calls[0]
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert "chỉ máy này" in capsys.readouterr().out
    assert main(["ui", "--host", "0.0.0.0", "--port", "8600"]) == 0
    cmd = calls[1]
    assert cmd[cmd.index("--server.address") + 1] == "0.0.0.0" and cmd[cmd.index("--server.port") + 1] == "8600"
    assert "mạng" in capsys.readouterr().out


def test_streamlit_config_also_defaults_to_loopback():
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


@pytest.mark.slow
def test_tracuu_ui_really_listens_on_loopback_only(tmp_path, corpus_copy, monkeypatch):
    """`tracuu ui` started as a user would: the listening socket is bound to 127.0.0.1, not to every interface."""
    import subprocess
    import sys
    import time
    import urllib.request

    import signal

    import psutil

    from test_ui_browser import REPO, _free_port

    port = _free_port()
    env = {**os.environ, "TRACUU_INDEX": str(tmp_path / "index"), "TRACUU_CORPUS": str(corpus_copy),
           "PYTHONPATH": str(REPO)}
    # its own process group, so the Streamlit child goes too when the test ends
    proc = subprocess.Popen([sys.executable, "-m", "search.cli", "ui", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "tracuu ui did not start"
                time.sleep(0.3)
        bound = {c.laddr.ip for c in psutil.net_connections("inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
        assert bound == {"127.0.0.1"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            output = proc.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output = proc.communicate()[0]
    assert output.splitlines()[0].startswith(f"Giao diện chỉ nghe trên 127.0.0.1:{port}")


def test_generation_cleanup_keeps_accounts_and_audit(tmp_path):
    from indexer.store.generations import remove_generations

    index = tmp_path / "index"
    for name in ("gen-000001", "gen-000002"):
        (index / name).mkdir(parents=True)
    audit.record(index, "hoa", "password", "upload", file="a.txt")
    UserStore(index / "users.json").add("hoa", "mat-khau-hoa")
    remove_generations(index, keep=set())  # everything a build may delete
    assert sorted(p.name for p in index.iterdir()) == ["audit.jsonl", "users.json", "users.json.lock"]


def _append_many(index: str, who: str) -> None:
    for n in range(50):
        audit.record(Path(index), who, "os", "index", file=f"{who}-{n}.txt", detail="x" * 2000)


def test_audit_appends_from_several_processes_never_interleave(tmp_path):
    import multiprocessing

    index = tmp_path / "index"
    procs = [multiprocessing.get_context("fork").Process(target=_append_many, args=(str(index), f"p{i}"))
             for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    lines = audit.audit_path(index).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200 and all(json.loads(line)["detail"] == "x" * 2000 for line in lines)
    assert len(audit.read(index)) == 200


def test_cli_user_add_asks_the_password_twice(tmp_path, monkeypatch, capsys):
    index = str(tmp_path / "index")
    answers = iter(["mat-khau-hoa", "mat-khau-khac"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["user", "add", "hoa", "--index", index]) == 2
    assert "không khớp" in capsys.readouterr().err and not (tmp_path / "index" / "users.json").exists()
    answers = iter(["mat-khau-hoa", "mat-khau-hoa"])
    assert main(["user", "add", "hoa", "--role", "reader", "--index", index]) == 0
    assert UserStore(Path(index) / "users.json").check_password("hoa", "mat-khau-hoa") == Identity("hoa", "reader",
                                                                                                    "password")
