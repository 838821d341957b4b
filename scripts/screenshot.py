"""Take docs/screenshot.png: the app answering the example question on the sample corpus (headless Chromium)."""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTION = "ke hoach nao yeu cau bao cao hang quy ve so noi vu"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args(argv)

    from playwright.sync_api import expect, sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="tracuu-screenshot-") as tmp:
        # A throw-away index: the app builds it on first start, the repo's ./index is left alone.
        env = {**os.environ, "TRACUU_INDEX": str(Path(tmp) / "index"), "TRACUU_CORPUS": str(REPO / "corpus")}
        log = open(Path(tmp) / "streamlit.log", "w", encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "ui_streamlit.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.3)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1440, "height": 960}, device_scale_factor=1)
                page.goto(url)
                box = page.get_by_label("Câu hỏi hoặc từ khóa", exact=False)
                box.wait_for(timeout=180_000)
                box.fill(args.question)
                box.press("Enter")
                expect(page.locator(".tracuu-answer")).to_contain_text("80/KH-UBND", timeout=60_000)
                page.wait_for_timeout(800)  # let the passages below the answer finish rendering
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out))
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=15)
            log.close()
    print(f"Đã lưu ảnh chụp màn hình: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
