"""Roles in the Streamlit app (streamlit.testing.v1.AppTest): readers get no write controls, editors sign in,
wrong passwords are refused and slowed, every upload lands in the audit view, reading can require sign-in."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from indexer.build import build_index
from search.access import UserStore, audit

APP = str(Path(__file__).resolve().parents[1] / "ui_streamlit.py")
PLAN = "KẾ HOẠCH\nPhòng chống dịch bệnh gia súc năm 2025\n\nI. Mục đích\n1. Chi cục Thú y kiểm tra hàng tháng.\n"
WRITE_BUTTONS = ("Lập chỉ mục các tệp đã chọn", "Cập nhật chỉ mục từ kho văn bản", "Gỡ văn bản")


@pytest.fixture
def site(tmp_path, corpus_copy, monkeypatch):
    index = tmp_path / "index"
    build_index([corpus_copy], index, dense=False)
    store = UserStore(index / "users.json")
    store.add("hoa", "mat-khau-hoa", "editor")
    store.add("lan", "mat-khau-lan", "reader")
    monkeypatch.setenv("TRACUU_INDEX", str(index))
    monkeypatch.setenv("TRACUU_CORPUS", str(corpus_copy))
    st.cache_resource.clear()  # the sign-in backoff lives there: each test starts with no failures counted
    for name in ("TRACUU_MODEL", "TRACUU_LLM_URL", "TRACUU_USERS", "TRACUU_READ_LOGIN", "TRACUU_MIN_FREE_MB"):
        monkeypatch.delenv(name, raising=False)
    return index, corpus_copy


def _run(at) -> AppTest:
    at = at.run()  # an AppTest, or a widget after click()/set_value(): both give the AppTest back
    assert not at.exception, [e.value for e in at.exception]
    return at


def _start() -> AppTest:
    return _run(AppTest.from_file(APP, default_timeout=120))


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    return _run(next(b for b in at.button if b.label == "Đăng nhập").click())


def _tabs(at: AppTest) -> list[str]:
    return [t.label for t in at.tabs]


def _write_controls(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.label in WRITE_BUTTONS] + [f"uploader {u.label}" for u in
                                                                      at.get("file_uploader")]


def test_reader_has_no_write_controls_even_when_asking_for_the_tab(site):
    at = _start()
    assert _tabs(at) == ["Hỏi đáp", "Văn bản", "Tương tự", "Nhiệm vụ & thời hạn"]
    assert _write_controls(at) == []
    for tab in ("Thêm văn bản", "Nhật ký thay đổi"):  # a session that asks for an editor tab gets the first tab
        at.session_state["tab"] = tab
        _run(at)
        assert _write_controls(at) == [] and at.session_state["tab"] == "Hỏi đáp"
        assert at.text_input(key="question") is not None
    # a reader account signed in is still a reader
    _sign_in(at, "lan", "mat-khau-lan")
    assert any("lan" in c.value and "người đọc" in c.value for c in at.sidebar.caption)
    assert "Thêm văn bản" not in _tabs(at) and _write_controls(at) == []


def test_wrong_password_is_refused_and_slowed(site):
    at = _start()
    for _ in range(3):
        _sign_in(at, "hoa", "mat-khau-sai")
        assert [e.value for e in at.error] == ["Sai tên đăng nhập hoặc mật khẩu."]
        assert "Thêm văn bản" not in _tabs(at)
    _sign_in(at, "hoa", "mat-khau-sai")
    assert "hãy chờ 2 giây" in at.error[0].value
    _sign_in(at, "hoa", "mat-khau-hoa")  # the right password, but too soon: not even checked
    assert "thử lại sau" in at.error[0].value and "Thêm văn bản" not in _tabs(at)


def test_editor_uploads_removes_and_sees_the_audit(site):
    index, corpus = site
    at = _sign_in(_start(), "hoa", "mat-khau-hoa")
    assert _tabs(at)[-2:] == ["Thêm văn bản", "Nhật ký thay đổi"]
    at.session_state["tab"] = "Thêm văn bản"
    _run(at)
    data = PLAN.encode("utf-8")
    _run(at.get("file_uploader")[0].set_value([("gia súc.txt", data, "text/plain")]))
    _run(next(b for b in at.button if b.label == "Lập chỉ mục các tệp đã chọn").click())
    assert list(at.table[0].value["Kết quả"]) == ["đã lập chỉ mục"]
    entry = audit.read(index)[0]
    assert (entry.who, entry.action, entry.file, entry.origin) == ("hoa", "upload", "uploads/gia_súc.txt", "local")
    assert entry.sha256 == hashlib.sha256(data).hexdigest()
    # removal needs the confirmation box, then deletes the file, re-indexes and is recorded
    _run(at.selectbox(key="remove_source").set_value("uploads/gia_súc.txt"))
    assert next(b for b in at.button if b.label == "Gỡ văn bản").disabled
    _run(at.checkbox(key="remove_sure").check())
    _run(next(b for b in at.button if b.label == "Gỡ văn bản").click())
    assert not (corpus / "uploads" / "gia_súc.txt").exists()
    assert [m.value for m in at.sidebar.get("metric")][0] == "5"
    at.session_state["tab"] = "Nhật ký thay đổi"
    _run(at)
    rows = at.table[0].value
    assert list(rows["Việc"][:2]) == ["gỡ bỏ", "tải lên"]
    assert set(rows["SHA-256"][:2]) == {hashlib.sha256(data).hexdigest()}
    # signing out takes the editor tabs away again
    _run(next(b for b in at.button if b.label == "Đăng xuất").click())
    assert "Nhật ký thay đổi" not in _tabs(at) and _write_controls(at) == []


def test_removed_account_loses_its_rights_at_once(site):
    index, _corpus = site
    at = _sign_in(_start(), "hoa", "mat-khau-hoa")
    assert "Thêm văn bản" in _tabs(at)
    UserStore(index / "users.json").remove("hoa")
    _run(at)
    assert "Thêm văn bản" not in _tabs(at)


def test_disk_headroom_refusal_is_shown(site, monkeypatch):
    index, corpus = site
    monkeypatch.setenv("TRACUU_MIN_FREE_MB", str(10**9))  # more than any disk here has
    at = _sign_in(_start(), "hoa", "mat-khau-hoa")
    at.session_state["tab"] = "Thêm văn bản"
    _run(at)
    _run(at.get("file_uploader")[0].set_value([("moi.txt", PLAN.encode("utf-8"), "text/plain")]))
    _run(next(b for b in at.button if b.label == "Lập chỉ mục các tệp đã chọn").click())
    assert "Không nhận tệp: ổ đĩa" in at.error[0].value
    assert not (corpus / "uploads").exists()
    assert audit.read(index)[0].outcome == "rejected"


def test_reading_can_require_sign_in(site, monkeypatch):
    monkeypatch.setenv("TRACUU_READ_LOGIN", "1")
    at = _start()
    assert not at.tabs and any("Cần đăng nhập" in i.value for i in at.info)
    assert all(t.key != "question" for t in at.text_input)
    _sign_in(at, "lan", "mat-khau-sai")
    assert not at.tabs and at.error
    _sign_in(at, "lan", "mat-khau-lan")
    assert _tabs(at) == ["Hỏi đáp", "Văn bản", "Tương tự", "Nhiệm vụ & thời hạn"]
    assert at.text_input(key="question") is not None
