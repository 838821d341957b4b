"""Roles in a real headless Chromium: a reader sees no write controls on any tab, a wrong password is refused and
repeated failures are slowed, an editor signs in, uploads a plan and finds it with its sha256 in the audit view."""
from __future__ import annotations

import hashlib
import re

import pytest

from indexer.build import build_index
from search.access import UserStore, audit
from test_ui_browser import CHROMIUM, CHROMIUM_ARGS, REPO, UPLOADED_PLAN, sign_in, streamlit_server

TABS = ["Hỏi đáp", "Văn bản", "Tương tự", "Nhiệm vụ & thời hạn"]
WRITE_BUTTONS = ("Lập chỉ mục các tệp đã chọn", "Cập nhật chỉ mục từ kho văn bản", "Gỡ văn bản")


def _no_write_controls(page) -> None:
    assert page.locator("input[type=file]").count() == 0
    for label in WRITE_BUTTONS:
        assert page.get_by_role("button", name=label).count() == 0
    for tab in ("Thêm văn bản", "Nhật ký thay đổi"):
        assert page.get_by_role("tab", name=tab).count() == 0


@pytest.mark.slow
def test_reader_editor_wrong_password_and_audit_in_the_browser(tmp_path, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    import shutil

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(REPO / "corpus", corpus)
    build_index([corpus], index, dense=False)
    UserStore(index / "users.json").add("hoa", "mat-khau-hoa", "editor")
    for name in ("TRACUU_USERS", "TRACUU_READ_LOGIN", "TRACUU_MIN_FREE_MB"):
        monkeypatch.delenv(name, raising=False)
    upload = tmp_path / "outside" / "bao-ve-rung.txt"
    upload.parent.mkdir()
    upload.write_bytes(UPLOADED_PLAN.encode("utf-8"))
    digest = hashlib.sha256(upload.read_bytes()).hexdigest()

    with streamlit_server(index, corpus, tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_label("Câu hỏi hoặc từ khóa", exact=False).wait_for(timeout=120_000)

            # A reader: only the reading tabs, and no upload, re-index or removal control on any of them.
            expect(page.get_by_role("tab")).to_have_text(TABS)
            for tab in TABS:
                page.get_by_role("tab", name=tab).click()
                page.wait_for_timeout(500)
                _no_write_controls(page)

            # A wrong password is refused; the fourth in a row makes the next attempt wait.
            sign_in(page, "hoa", "mat-khau-sai")
            expect(page.get_by_text("Sai tên đăng nhập hoặc mật khẩu.")).to_be_visible(timeout=30_000)
            _no_write_controls(page)
            for _ in range(3):
                sign_in(page, "hoa", "mat-khau-sai")
                page.wait_for_timeout(600)
            expect(page.get_by_text(re.compile("hãy chờ 2 giây"))).to_be_visible(timeout=30_000)
            sign_in(page, "hoa", "mat-khau-hoa")  # right, but too soon: refused without being checked
            expect(page.get_by_text(re.compile("thử lại sau"))).to_be_visible(timeout=30_000)
            _no_write_controls(page)
            page.wait_for_timeout(2_500)

            # The editor signs in, uploads a plan, and the audit view lists it with its sha256.
            sign_in(page, "hoa", "mat-khau-hoa")
            expect(page.get_by_text("Đã đăng nhập:", exact=False)).to_be_visible(timeout=30_000)
            page.get_by_role("tab", name="Thêm văn bản").click()
            page.locator("input[type=file]").set_input_files(str(upload))
            expect(page.get_by_text("bao-ve-rung.txt").first).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Lập chỉ mục các tệp đã chọn").click()
            expect(page.get_by_text("đã lập chỉ mục").first).to_be_visible(timeout=120_000)
            page.get_by_role("tab", name="Nhật ký thay đổi").click()
            row = page.locator("tr", has_text=digest)
            expect(row).to_have_count(1, timeout=30_000)
            expect(row).to_contain_text("uploads/bao-ve-rung.txt")
            expect(row).to_contain_text("hoa")
            expect(row).to_contain_text("tải lên")

            # Signing out takes the write controls away again.
            page.get_by_role("button", name="Đăng xuất").click()
            expect(page.get_by_role("tab")).to_have_text(TABS, timeout=30_000)
            _no_write_controls(page)
        finally:
            browser.close()

    entry = audit.read(index)[0]
    assert (entry.who, entry.file, entry.sha256, entry.origin) == ("hoa", "uploads/bao-ve-rung.txt", digest, "local")
