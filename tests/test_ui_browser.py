"""The app in a real headless Chromium (Debian's /usr/bin/chromium through Playwright), started with `streamlit run`."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from ui_texts import QUESTION, SCRIPT_PLAN

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

UPLOADED_PLAN = """KẾ HOẠCH
Bảo vệ rừng đầu nguồn sông Trà Khúc năm 2025

I. Mục đích, yêu cầu
1. Hạt Kiểm lâm tuần tra rừng phòng hộ đầu nguồn mỗi tuần.
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(index_dir: Path, corpus_dir: Path, log_path: Path):
    """`streamlit run ui_streamlit.py` on a free localhost port; yields the URL once the server answers."""
    port = _free_port()
    env = {**os.environ, "TRACUU_INDEX": str(index_dir), "TRACUU_CORPUS": str(corpus_dir)}
    env.pop("TRACUU_MODEL", None)
    env.pop("TRACUU_LLM_URL", None)
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "ui_streamlit.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"streamlit did not start:\n{log_path.read_text(encoding='utf-8')}")
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def sign_in(page, name: str, password: str) -> None:
    """Fill the sidebar's sign-in form (opening its expander first if it is closed) and submit it."""
    field = page.get_by_label("Tên đăng nhập")
    if not field.is_visible():
        page.get_by_text("Đăng nhập biên tập").click()
    field.fill(name)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()


@pytest.mark.slow
def test_browser_answers_unaccented_question_escapes_script_and_indexes_upload(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(REPO / "corpus", corpus)
    (corpus / "005_script.txt").write_text(SCRIPT_PLAN, encoding="utf-8")
    upload = tmp_path / "outside" / "bao-ve-rung.txt"
    upload.parent.mkdir()
    upload.write_text(UPLOADED_PLAN, encoding="utf-8")
    screenshot = tmp_path / "answer.png"
    from search.access import UserStore

    UserStore(index / "users.json").add("hoa", "mat-khau-hoa", "editor")  # uploading needs an editor

    with streamlit_server(index, corpus, tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(url)
            # No index yet: the first start builds it from the corpus, then shows the question box.
            box = page.get_by_label("Câu hỏi hoặc từ khóa", exact=False)
            box.wait_for(timeout=180_000)
            box.fill(QUESTION)
            box.press("Enter")

            answer = page.locator(".tracuu-answer")
            expect(answer).to_contain_text("80/KH-UBND", timeout=60_000)
            expect(page.get_by_text("80/KH-UBND").first).to_be_visible()
            first_quote = page.locator(".tracuu-quote").first
            expect(first_quote).to_contain_text("định kỳ hàng quý báo cáo UBND tỉnh")
            expect(first_quote.locator("mark").first).to_have_text("hàng quý báo cáo")
            expect(page.get_by_text("hàng quý").first).to_be_visible()
            page.screenshot(path=str(screenshot))

            # A plan whose body holds <script>alert(1)</script> is shown as text, and nothing runs.
            box.fill("kiem tra noi dung hien thi nhu chu thuong")
            box.press("Enter")
            script_text = page.get_by_text("<script>alert(1)</script>", exact=False).first
            expect(script_text).to_be_visible(timeout=60_000)
            injected = page.evaluate(
                "[...document.querySelectorAll('script')].some(s => s.textContent.includes('alert(1)'))")
            assert injected is False

            # Upload through the real file input; the file is stored under corpus/uploads and indexed.
            sign_in(page, "hoa", "mat-khau-hoa")
            page.get_by_role("tab", name="Thêm văn bản").click()
            page.locator("input[type=file]").set_input_files(str(upload))
            expect(page.get_by_text("bao-ve-rung.txt").first).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Lập chỉ mục các tệp đã chọn").click()
            expect(page.get_by_text("đã lập chỉ mục").first).to_be_visible(timeout=120_000)
            page.get_by_role("tab", name="Hỏi đáp").click()
            box = page.get_by_label("Câu hỏi hoặc từ khóa", exact=False)
            box.fill("tuan tra rung phong ho dau nguon")
            box.press("Enter")
            expect(page.locator(".tracuu-title").first).to_contain_text("Bảo vệ rừng đầu nguồn", timeout=60_000)
            assert dialogs == []
        finally:
            browser.close()

    assert screenshot.stat().st_size > 20_000
    assert (corpus / "uploads" / "bao-ve-rung.txt").read_text(encoding="utf-8") == UPLOADED_PLAN
    # Nothing written beside the corpus and index folders (the log and the screenshot are the test's own).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.png", "corpus", "index", "outside", "streamlit.log"]
